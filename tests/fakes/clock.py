"""Time that moves only when a test (or a FakeSleep) says so: expiry, leases and backoff are then exact
and instant."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol

from bot.simulator import ManualClock
from bot.simulator.clock import DEFAULT_START


class FakeClock(ManualClock):
    """One moment, seen the three ways the code under test asks for it.

    Called, it is the bot's wall clock (`bot.clock.Now`, an aware UTC datetime); `timestamp()` is the same
    moment in seconds, for a `time.monotonic` or `time.time` parameter; and being a ManualClock it can
    run the simulator too, so the bot and the fake Fivetran agree on what 'an hour later' means.
    """

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        super().__init__(start)

    def __call__(self) -> datetime:
        return self.now()

    def timestamp(self) -> float:
        return self.now().timestamp()


class Advances(Protocol):
    def advance(self, seconds: float) -> object: ...


class FakeSleep:
    """Records every wait instead of waiting and moves `clock` (when given) by it.

    It yields to the event loop once, as a real sleep does, so a loop that sleeps between polls still
    lets the other tasks run.
    """

    def __init__(self, clock: Advances | None = None) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds)
        await asyncio.sleep(0)
