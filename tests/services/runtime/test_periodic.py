"""`Periodic`, the one background loop of the watcher, the incidents' tick, the deliverer and the purge."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.services.runtime.background import Periodic


class Pauses:
    """The loop's sleep: records each wait; after `until` of them it holds the loop still and says so."""

    def __init__(self, until: int) -> None:
        self.waits: list[float] = []
        self.until = until
        self.reached = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) >= self.until:
            self.reached.set()
            await asyncio.Event().wait()  # held here until the loop is stopped
        await asyncio.sleep(0)


async def test_each_pass_is_followed_by_the_usual_pause_until_stopped() -> None:
    passes: list[int] = []

    async def step() -> None:
        passes.append(len(passes))

    pauses = Pauses(until=3)
    loop = Periodic("poll", step, every=30.0, sleep=pauses)
    loop.start()
    loop.start()  # a second start is the same loop
    await asyncio.wait_for(pauses.reached.wait(), 5)
    await loop.stop()

    assert passes == [0, 1, 2] and pauses.waits == [30.0, 30.0, 30.0]
    assert not loop.running
    await loop.stop()  # stopping what is stopped does nothing


async def test_a_failing_pass_is_logged_by_name_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes = iter([RuntimeError("database away"), None])

    async def step() -> None:
        error = next(outcomes)
        if error is not None:
            raise error

    pauses = Pauses(until=2)
    loop = Periodic("incidents", step, every=10.0, sleep=pauses)
    with caplog.at_level(logging.ERROR):
        loop.start()
        await asyncio.wait_for(pauses.reached.wait(), 5)
    await loop.stop()

    assert pauses.waits == [10.0, 10.0]
    (record,) = [r for r in caplog.records if "incidents" in r.getMessage()]
    assert record.exc_info is not None and "database away" in str(record.exc_info[1])


async def test_a_pass_chooses_its_wait_and_zero_means_again_at_once() -> None:
    answers = iter([0.0, 0.0, 0.2, None])
    passes: list[float | None] = []

    async def step() -> float | None:
        answer = next(answers)
        passes.append(answer)
        return answer

    pauses = Pauses(until=2)
    # `pause` (a wait that can be cut short) replaces the sleep
    loop = Periodic("deliverer", step, every=2.0, sleep=Pauses(until=99), pause=pauses)
    loop.start()
    await asyncio.wait_for(pauses.reached.wait(), 5)
    await loop.stop()

    assert passes == [0.0, 0.0, 0.2, None]
    assert pauses.waits == [0.2, 2.0]  # no pause after the passes that asked for none


async def test_wait_first_puts_an_interval_before_the_first_pass() -> None:
    passes: list[int] = []

    async def step() -> None:
        passes.append(len(pauses.waits))  # how many pauses came before this pass

    pauses = Pauses(until=3)
    loop = Periodic("bulk-monitor", step, every=5.0, sleep=pauses, wait_first=True)
    loop.start()
    await asyncio.wait_for(pauses.reached.wait(), 5)
    await loop.stop()

    assert passes == [1, 2] and pauses.waits == [5.0, 5.0, 5.0]


async def test_a_stop_during_a_pass_lets_it_finish_and_runs_no_other() -> None:
    release, under_way = asyncio.Event(), asyncio.Event()
    began: list[int] = []
    finished: list[int] = []

    async def step() -> None:
        began.append(len(began))
        under_way.set()
        await release.wait()  # a write under way: cancelled here, SQLite's lock was left held
        finished.append(len(finished))

    loop = Periodic("watcher", step, every=0.0, sleep=Pauses(until=99))
    loop.start()
    await asyncio.wait_for(under_way.wait(), 5)
    stopping = asyncio.create_task(loop.stop())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not stopping.done()  # waiting for the pass, not cancelling it

    release.set()
    await asyncio.wait_for(stopping, 5)
    assert began == [0] and finished == [0]
    assert not loop.running


async def test_a_pass_that_outlasts_the_grace_is_cancelled_and_said(caplog: pytest.LogCaptureFixture) -> None:
    cancelled = asyncio.Event()

    async def step() -> None:
        try:
            await asyncio.Event().wait()  # never ends by itself
        except asyncio.CancelledError:
            cancelled.set()
            raise

    loop = Periodic("deliverer", step, every=1.0, sleep=Pauses(until=99), grace=0.01)
    loop.start()
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING):
        await asyncio.wait_for(loop.stop(), 5)

    assert cancelled.is_set()
    assert any(
        "did not end within" in r.getMessage() and "deliverer" in r.getMessage() for r in caplog.records
    )


async def test_a_stopped_loop_starts_again() -> None:
    passes: list[int] = []

    async def step() -> None:
        passes.append(1)

    pauses = Pauses(until=1)  # every pause holds the loop until it is stopped
    loop = Periodic("purge", step, every=3.0, sleep=pauses)
    loop.start()
    await asyncio.wait_for(pauses.reached.wait(), 5)
    await loop.stop()
    loop.start()
    for _ in range(100):
        if len(pauses.waits) == 2:
            break
        await asyncio.sleep(0)
    await loop.stop()

    assert passes == [1, 1] and pauses.waits == [3.0, 3.0]
