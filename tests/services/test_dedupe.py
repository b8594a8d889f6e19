"""The same change asked twice within its window runs once."""

from __future__ import annotations

from bot.services.dedupe import MemoryDedupe
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
    assert len(dedupe._seen) <= 2 + 1  # only the live window and the new key survive the sweep
    assert not await dedupe.first_time("live", 100)
