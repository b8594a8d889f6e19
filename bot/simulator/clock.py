"""Time as the simulator sees it.

Every state change is computed from `Clock.now()` when a request arrives, so whoever owns the clock owns
time: tests step a `ManualClock`, the demo runs a `ScaledClock` fast enough that a sync ends in seconds.
What takes simulated time inside one answer (a schema reload) waits with `sleep_until`: on a ManualClock
it returns when a test moves the clock that far, never on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

# how often a clock of unknown kind is looked at while an answer waits on it (real seconds)
POLL_S = 0.05

# A fixed default start makes a ManualClock-driven account identical from one run to the next.
DEFAULT_START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class ManualClock:
    """Stands still until told to move."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._waiters: list[asyncio.Future[None]] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += timedelta(seconds=seconds)
        self._wake()
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)
        self._wake()

    @property
    def waiting(self) -> int:
        """How many waits are on this clock now (a test moves it once an answer waits)."""
        return sum(not w.done() for w in self._waiters)

    async def wait_until(self, when: datetime) -> None:
        """Return once the clock has been moved to `when` or later (at once if it is there already)."""
        while self._now < when:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            # the clock may be moved from another thread (a test driving a served simulator)
            with contextlib.suppress(RuntimeError):  # that waiter's loop is closed: nobody waits any more
                waiter.get_loop().call_soon_threadsafe(_resolve, waiter)


class ScaledClock:
    """Real time, `speed` times faster, starting from the real now (or `start`)."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start = (start or datetime.now(UTC)).astimezone(UTC)
        # monotonic, so a wall-clock jump (NTP, DST on a badly configured host) cannot run time backwards
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():  # a waiter whose request was cancelled is done already
        waiter.set_result(None)


async def sleep_until(clock: Clock, when: datetime, sleep: Callable[[float], Awaitable[None]]) -> None:
    """Wait until `clock` reads `when`: a ManualClock's own moves, a ScaledClock's pace through `sleep`
    (real seconds), any other clock looked at every `POLL_S`."""
    if isinstance(clock, ManualClock):
        await clock.wait_until(when)
        return
    while (left := (when - clock.now()).total_seconds()) > 0:
        await sleep(left / clock.speed if isinstance(clock, ScaledClock) else POLL_S)


def iso(when: datetime) -> str:
    """Fivetran's timestamp format: microseconds and a literal Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
