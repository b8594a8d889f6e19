"""The same change asked twice within its window runs once."""

from __future__ import annotations

from bot.services.governance.dedupe import MemoryDedupe
from tests.fakes import FakeClock


async def test_the_first_request_goes_through_and_a_repeat_within_the_window_does_not() -> None:
    clock = FakeClock()
    dedupe = MemoryDedupe(clock.timestamp)
    assert await dedupe.first_time("sync:a", 30)
    clock.advance(29.9)
    assert not await dedupe.first_time("sync:a", 30)


async def test_a_repeat_after_the_window_goes_through_and_opens_a_new_window() -> None:
    clock = FakeClock()
    dedupe = MemoryDedupe(clock.timestamp)
    assert await dedupe.first_time("sync:a", 30)
    clock.advance(30)
    assert await dedupe.first_time("sync:a", 30)
    clock.advance(10)
    assert not await dedupe.first_time("sync:a", 30)


async def test_a_refused_repeat_does_not_extend_the_window() -> None:
    clock = FakeClock()
    dedupe = MemoryDedupe(clock.timestamp)
    await dedupe.first_time("k", 30)
    clock.advance(20)
    assert not await dedupe.first_time("k", 30)
    clock.advance(10)
    assert await dedupe.first_time("k", 30)


async def test_different_keys_do_not_block_each_other() -> None:
    dedupe = MemoryDedupe(FakeClock().timestamp)
    assert await dedupe.first_time("sync:a", 30)
    assert await dedupe.first_time("sync:b", 30)
    assert await dedupe.first_time("pause:a", 30)


async def test_a_zero_window_never_blocks() -> None:
    dedupe = MemoryDedupe(FakeClock().timestamp)
    assert await dedupe.first_time("k", 0)
    assert await dedupe.first_time("k", 0)


async def test_expired_keys_are_forgotten_once_many_pile_up() -> None:
    clock = FakeClock()
    dedupe = MemoryDedupe(clock.timestamp)
    for i in range(10_001):
        await dedupe.first_time(f"old:{i}", 1)
    await dedupe.first_time("live", 100)
    clock.advance(2)
    await dedupe.first_time("trigger", 1)
    assert len(dedupe) <= 2  # only the live window and the new key survive
    assert not await dedupe.first_time("live", 100)


class CountedKey(str):
    """A key that counts how often the map hashes it: a full sweep hashes every live key again."""

    hashes = 0

    def __hash__(self) -> int:
        CountedKey.hashes += 1
        return str.__hash__(self)


async def test_past_ten_thousand_keys_a_call_touches_only_the_expired_ones_not_the_whole_map() -> None:
    clock = FakeClock()
    dedupe = MemoryDedupe(clock.timestamp)
    live = 20_000
    for i in range(live):
        assert await dedupe.first_time(CountedKey(f"k{i}"), 60)
        clock.advance(0.001)  # 20 s of keys, 1 ms apart
    clock.advance(60 - 20)  # the oldest key is about to expire
    CountedKey.hashes = 0
    for i in range(100):
        clock.advance(0.001)  # each call finds about one more key expired
        assert await dedupe.first_time(f"new{i}", 60)
    # a sweep per call would hash all ~20,000 keys each time (~2,000,000); this touches the ~100 expired
    assert CountedKey.hashes < 1_000
    assert live - 110 < len(dedupe) - 100 < live - 90


async def test_keys_stored_under_different_windows_expire_each_on_time() -> None:
    clock = FakeClock()
    dedupe = MemoryDedupe(clock.timestamp)
    assert await dedupe.first_time("long", 360)
    assert await dedupe.first_time("short", 10)
    clock.advance(10)
    assert await dedupe.first_time("short", 10)
    assert not await dedupe.first_time("long", 360)
    clock.advance(350)
    assert await dedupe.first_time("long", 360)
