"""A connector's sync schedule as Fivetran keeps it, and a change to it as a person asks for it.

Fivetran takes `sync_frequency` from a fixed set of minutes (the official spec's enum) and
`daily_sync_time` as a whole UTC hour, and only with a frequency of 1440: a time asked for in someone's
zone is converted here, on the day it is asked, and the answer says so, because after a daylight-saving
change the same UTC hour is another local hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

# `UpdateConnectorRequest.sync_frequency` in fivetran-openapi-v1.json (written there as strings).
ALLOWED_FREQUENCIES: tuple[int, ...] = (1, 5, 15, 30, 60, 120, 180, 360, 480, 720, 1440)
DAILY = 1440

Kind = Literal["every", "daily", "manual", "auto"]


class ScheduleError(ValueError):
    """A schedule Fivetran would refuse, said with what it takes instead."""


def minutes_text(minutes: int) -> str:
    if minutes >= 60 and minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def allowed_text() -> str:
    return ", ".join(f"`every {minutes_text(m)}`" for m in ALLOWED_FREQUENCIES)


@dataclass(frozen=True)
class ScheduleChange:
    """What was asked: `every` with `minutes`, `daily` with an optional local `at` ("HH:MM") in `tz`,
    or a schedule type (`manual`: only a request starts a sync; `auto`: Fivetran's schedule runs)."""

    kind: Kind
    minutes: int | None = None
    at: str | None = None
    tz: str = "UTC"

    def as_text(self) -> str:
        if self.kind == "every":
            return f"every {minutes_text(self.minutes or 0)}"
        if self.kind == "daily":
            return f"daily {self.at} tz:{self.tz}" if self.at else "daily"
        return self.kind


@dataclass(frozen=True)
class SchedulePatch:
    """The PATCH fields, how the result is said, and what a person should know about the conversion."""

    schedule_type: str | None = None
    sync_frequency: int | None = None
    daily_sync_time: str | None = None
    said: str = ""
    note: str = ""

    @property
    def fields(self) -> dict[str, object]:
        found = {
            "schedule_type": self.schedule_type,
            "sync_frequency": self.sync_frequency,
            "daily_sync_time": self.daily_sync_time,
        }
        return {k: v for k, v in found.items() if v is not None}


def check_minutes(minutes: int) -> int:
    if minutes not in ALLOWED_FREQUENCIES:
        raise ScheduleError(
            f"Fivetran can't sync every {minutes_text(minutes)}. It takes {allowed_text()} "
            "(or `daily HH:MM`)."
        )
    return minutes


def plan_schedule(change: ScheduleChange, today: date) -> SchedulePatch:
    """The request for `change`; a local daily time is converted to UTC as of `today`."""
    if change.kind in ("manual", "auto"):
        said = (
            "manual: only a sync someone asks for runs"
            if change.kind == "manual"
            else "automatic: Fivetran syncs on the connector's schedule"
        )
        return SchedulePatch(schedule_type=change.kind, said=said)
    if change.kind == "every":
        minutes = check_minutes(change.minutes or 0)
        return SchedulePatch(sync_frequency=minutes, said=f"every {minutes_text(minutes)}")
    if change.at is None:
        return SchedulePatch(sync_frequency=DAILY, said="daily")
    hour, minute = (int(part) for part in change.at.split(":"))
    zone = ZoneInfo(change.tz)
    local = datetime.combine(today, time(hour, minute), tzinfo=zone)
    utc = local.astimezone(ZoneInfo("UTC"))
    if utc.minute != 0:
        raise ScheduleError(
            f"Fivetran takes a daily time on the hour in UTC, and {change.at} in {change.tz} is "
            f"{utc:%H:%M} UTC. Pick a time that falls on a UTC hour."
        )
    at_utc = f"{utc:%H}:00"
    if change.tz == "UTC":
        return SchedulePatch(sync_frequency=DAILY, daily_sync_time=at_utc, said=f"daily at {at_utc} UTC")
    note = (
        f"Fivetran keeps daily times in UTC: {change.at} in {change.tz} is {at_utc} UTC today. "
        "After a daylight-saving change it runs at the same UTC hour, so an hour off locally."
    )
    return SchedulePatch(
        sync_frequency=DAILY,
        daily_sync_time=at_utc,
        said=f"daily at {at_utc} UTC ({change.at} {change.tz})",
        note=note,
    )
