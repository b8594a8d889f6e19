"""A cron trigger that keeps time moving forward across daylight-saving changes.

APScheduler 3.x computes cron times on the wall clock. In the hour that repeats when clocks go back, a
fixed time such as 02:30 comes up twice, and given the previous fire time as a starting point the stock
trigger can even answer a time *earlier* than that previous one (seen with `*/15` on 2026-10-25 in
Europe/Berlin). This subclass always searches forward from an instant (UTC), and, for schedules at fixed
hours, skips the second occurrence of a repeated wall time, as classic cron does: `daily 02:30` fires
once on the day clocks go back, while `every 15m` keeps firing through both passes of the hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

_STEP = timedelta(microseconds=1)
# A handful of retries covers a skipped repeat; the bound only guards against an unforeseen loop.
_MAX_SKIPS = 8


def is_repeated_wall_time(moment: datetime) -> bool:
    """True when `moment` is the second occurrence of its wall-clock time (clocks went back)."""
    tz = moment.tzinfo
    if tz is None:
        return False
    wall = moment.replace(tzinfo=None)
    first = wall.replace(fold=0, tzinfo=tz)
    second = wall.replace(fold=1, tzinfo=tz)
    if first.utcoffset() == second.utcoffset():
        return False
    return moment.astimezone(UTC) == second.astimezone(UTC)


class WallClockCronTrigger(CronTrigger):  # type: ignore[misc]
    def __init__(self, *, once_per_wall_time: bool, **fields: Any) -> None:
        super().__init__(**fields)
        self.once_per_wall_time = once_per_wall_time

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # Search from an instant: the previous fire plus a microsecond (APScheduler replays missed fires
        # from there), else now. Passing no previous time makes the stock trigger start from this instant.
        start = now if previous_fire_time is None else previous_fire_time.astimezone(UTC) + _STEP
        start = start.astimezone(UTC)
        for _ in range(_MAX_SKIPS):
            candidate: datetime | None = super().get_next_fire_time(None, start)
            if candidate is None:
                return None
            if candidate.astimezone(UTC) < start:
                start = start + timedelta(seconds=1)
                continue
            if self.once_per_wall_time and is_repeated_wall_time(candidate):
                start = candidate.astimezone(UTC) + _STEP
                continue
            return candidate
        return None

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state["once_per_wall_time"] = self.once_per_wall_time
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        once = bool(state.pop("once_per_wall_time", False))
        super().__setstate__(state)
        self.once_per_wall_time = once
