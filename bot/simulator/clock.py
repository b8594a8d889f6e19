"""Time as the simulator sees it.

Every state change is computed from `Clock.now()` when a request arrives, so whoever owns the clock owns
time: tests step a `ManualClock`, the demo runs a `ScaledClock` fast enough that a sync ends in seconds.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

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

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)


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


def iso(when: datetime) -> str:
    """Fivetran's timestamp format: microseconds and a literal Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
