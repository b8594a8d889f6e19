"""Waiting on the simulator's clock inside an answer (a schema reload that takes minutes)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.simulator import ManualClock, ScaledClock
from bot.simulator.clock import POLL_S, sleep_until
from tests.fakes import FakeSleep


async def test_a_manual_clock_wait_ends_when_the_clock_is_moved_that_far() -> None:
    clock = ManualClock()
    wait = asyncio.create_task(clock.wait_until(clock.now() + timedelta(seconds=90)))
    await asyncio.sleep(0)
    assert clock.waiting == 1
    clock.advance(89)
    for _ in range(3):  # woken, it looks again and waits again
        await asyncio.sleep(0)
    assert not wait.done() and clock.waiting == 1
    clock.set(clock.now() + timedelta(seconds=1))
    await asyncio.wait_for(wait, timeout=1)
    assert clock.waiting == 0
    await clock.wait_until(clock.now())  # there already: no wait at all


async def test_a_cancelled_wait_leaves_nothing_behind() -> None:
    clock = ManualClock()
    wait = asyncio.create_task(clock.wait_until(clock.now() + timedelta(seconds=5)))
    await asyncio.sleep(0)
    wait.cancel()
    await asyncio.sleep(0)
    assert clock.waiting == 0
    clock.advance(10)  # waking a cancelled waiter is harmless


async def test_a_scaled_clock_is_waited_out_in_real_seconds_divided_by_its_speed() -> None:
    clock = ScaledClock(speed=1000)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(min(seconds, 0.01))  # real: a scaled clock runs on real time

    await sleep_until(clock, clock.now() + timedelta(seconds=2), sleep)
    assert sleeps and sleeps[0] <= 0.002


async def test_any_other_clock_is_looked_at_every_poll() -> None:
    class Stepped:
        def __init__(self) -> None:
            self.at = datetime(2026, 1, 1)

        def now(self) -> datetime:
            return self.at

    clock = Stepped()
    steps = FakeSleep()

    async def sleep(seconds: float) -> None:
        await steps(seconds)
        clock.at += timedelta(seconds=1)

    await sleep_until(clock, clock.at + timedelta(seconds=3), sleep)
    assert steps.waits == [POLL_S] * 3
