"""The schedule grammar of `digest add`: parse, normalise, describe, and build APScheduler triggers.

Pure: no I/O and no reading of the clock. Every schedule carries an explicit time zone; triggers are
always built with `timezone=tz` because APScheduler 3.x falls back to the host's zone otherwise.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduler.days import DAYS, DayError, cron_day_of_week, describe_days, parse_day_list
from bot.scheduler.triggers import WallClockCronTrigger

ACCEPTED = 'Accepted: hourly, every 15m, daily 09:00, weekdays 09:00, mon,thu 08:30, or a quoted cron "0 9 * * mon-fri".'
MIN_INTERVAL_MINUTES = 5
MAX_INTERVAL_MINUTES = 24 * 60
# Checks start from a fixed instant, so parsing never depends on when it runs.
_CHECK_FROM = datetime(2026, 1, 1, tzinfo=UTC)
# How far ahead a cron must fire at least once (covers 29 February).
_NEVER_AFTER = timedelta(days=8 * 366)
# Intervals that do not divide the hour or the day count from this local midnight (a Monday).
_INTERVAL_ANCHOR = datetime(2024, 1, 1)

_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")
_EVERY = re.compile(r"^([0-9]+)\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours)?$")
_CRON_FIELD = re.compile(r"^[0-9a-z*/,\-]+$")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "`": '"'})
_KEYWORDS = ("hourly", "every", "daily", "weekdays", "weekends")
_CRON_FIELDS = ("minute", "hour", "day of month", "month", "day of week")

Kind = Literal["cron", "interval"]


class ScheduleError(ValueError):
    """A schedule that is not understood or not allowed; the message is meant for the user as is."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem}. {ACCEPTED}")
        self.problem = problem


@dataclass(frozen=True)
class Schedule:
    text: str  # canonical: parse_schedule(text, tz).text == text
    tz: ZoneInfo
    kind: Kind
    # Keyword arguments of the trigger, minus the time zone.
    fields: tuple[tuple[str, Any], ...] = field(repr=False)
    summary: str = field(repr=False)
    once_per_wall_time: bool = field(default=True, repr=False)

    def trigger(self) -> BaseTrigger:
        arguments = dict(self.fields)
        if self.kind == "interval":
            start = _INTERVAL_ANCHOR.replace(tzinfo=self.tz)
            return IntervalTrigger(minutes=arguments["minutes"], start_date=start, timezone=self.tz)
        return WallClockCronTrigger(once_per_wall_time=self.once_per_wall_time, timezone=self.tz, **arguments)

    def next_fire_times(self, after: datetime, n: int) -> list[datetime]:
        """The next `n` fire times strictly after `after` (an aware datetime), in the schedule's zone."""
        if after.tzinfo is None:
            raise ValueError("`after` must be an aware datetime")
        trigger = self.trigger()
        times: list[datetime] = []
        previous: datetime | None = None
        now = after + timedelta(microseconds=1)
        while len(times) < n:
            fire: datetime | None = trigger.get_next_fire_time(previous, now)
            if fire is None:
                break
            times.append(fire.astimezone(self.tz))
            previous, now = fire, fire + timedelta(microseconds=1)
        return times

    def describe(self) -> str:
        return f"{self.summary} {self.tz.key}"


def parse_schedule(text: str, tz: ZoneInfo) -> Schedule:
    """Reads one schedule of the grammar (see ACCEPTED) in time zone `tz`, or raises ScheduleError."""
    cleaned = " ".join(text.translate(_QUOTES).split())
    if not cleaned:
        raise ScheduleError("No schedule given")
    quoted = len(cleaned) >= 2 and cleaned[0] == cleaned[-1] and cleaned[0] in "\"'"
    if quoted:
        return _parse_cron(cleaned[1:-1].strip().lower(), tz)
    words = cleaned.lower().split(" ")
    head = words[0]
    if head == "hourly" and len(words) == 1:
        return _cron(tz, "hourly", "every hour at :00", once=False, minute="0")
    if head == "every":
        return _parse_every(cleaned.lower(), " ".join(words[1:]), tz)
    if head and (head[0].isdigit() or head[0] == "*") and all(_CRON_FIELD.match(w) for w in words):
        return _parse_cron(" ".join(words), tz)
    return _parse_days_and_time(cleaned.lower(), words, tz)


def _cron(tz: ZoneInfo, text: str, summary: str, *, once: bool, **fields: str) -> Schedule:
    return Schedule(text, tz, "cron", tuple(fields.items()), summary, once)


def _parse_every(original: str, rest: str, tz: ZoneInfo) -> Schedule:
    match = _EVERY.match(rest)
    if not rest or not match:
        raise ScheduleError(f"`{original}` needs an amount and a unit, like `every 15m` or `every 2h`")
    if match.group(2) is None:
        raise ScheduleError(
            f"`{original}` needs a unit: `every {match.group(1)}m` or `every {match.group(1)}h`"
        )
    amount = int(match.group(1))
    minutes = amount * 60 if match.group(2).startswith("h") else amount
    if minutes < MIN_INTERVAL_MINUTES:
        raise ScheduleError(f"`{original}` is too often: the minimum is every {MIN_INTERVAL_MINUTES} minutes")
    if minutes > MAX_INTERVAL_MINUTES:
        raise ScheduleError(
            f"`{original}` is too long: the longest interval is 24h; for a time of day use `daily 09:00`"
        )
    # Clock-aligned when the interval divides the hour or the day: `every 15m` fires at :00, :15, :30
    # and :45 and `every 2h` on even hours, as people expect, instead of counting from whenever the bot
    # started. Other intervals cannot be aligned and count from a fixed local midnight instead.
    if minutes == 60:
        return _cron(tz, "hourly", "every hour at :00", once=False, minute="0")
    if 60 % minutes == 0:
        return _cron(tz, f"every {minutes}m", f"every {minutes} minutes", once=False, minute=f"*/{minutes}")
    if minutes % 60 == 0 and (24 * 60) % minutes == 0:
        hours = minutes // 60
        return _cron(tz, f"every {hours}h", f"every {hours} hours", once=False, minute="0", hour=f"*/{hours}")
    text = f"every {minutes // 60}h" if minutes % 60 == 0 else f"every {minutes}m"
    summary = f"every {minutes // 60} hours" if minutes % 60 == 0 else f"every {minutes} minutes"
    return Schedule(text, tz, "interval", (("minutes", minutes),), summary, False)


def _parse_time(word: str, original: str) -> tuple[int, int]:
    match = _TIME.match(word)
    if not match:
        raise ScheduleError(f"`{word}` in `{original}` is not a time: write it as HH:MM, like 09:00")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ScheduleError(f"`{word}` is not a time of day: use 00:00 to 23:59")
    return hour, minute


def _parse_days_and_time(original: str, words: list[str], tz: ZoneInfo) -> Schedule:
    if words[-1] == "at":
        words = words[:-1]
    if not words:  # "at" alone: neither days nor a time
        raise ScheduleError(f"`{original}` needs days and a time, like `daily 09:00`")
    if len(words) == 3 and words[1] == "at":  # "daily at 09:00"
        words = [words[0], words[2]]
    head = words[0]
    if len(words) == 1:
        if head in ("daily", "weekdays", "weekends"):
            raise ScheduleError(f"`{original}` needs a time, like `{head} 09:00`")
        _check_day_words(head, original)
        raise ScheduleError(f"`{original}` needs a time, like `{head} 08:30`")
    if len(words) != 2:
        raise ScheduleError(f"`{original}` is not a schedule")
    days = [] if head in ("daily", "weekdays", "weekends") else _check_day_words(head, original)
    hour, minute = _parse_time(words[1], original)
    at = f"{hour:02d}:{minute:02d}"
    fields = {"hour": str(hour), "minute": str(minute)}
    if head == "daily":
        return _cron(tz, f"daily {at}", f"every day at {at}", once=True, **fields)
    if head == "weekdays":
        return _cron(
            tz, f"weekdays {at}", f"every weekday at {at}", once=True, day_of_week="mon-fri", **fields
        )
    if head == "weekends":
        return _cron(
            tz,
            f"weekends {at}",
            f"every Saturday and Sunday at {at}",
            once=True,
            day_of_week="sat,sun",
            **fields,
        )
    if len(days) == 7:
        return _cron(tz, f"daily {at}", f"every day at {at}", once=True, **fields)
    if days == [0, 1, 2, 3, 4]:
        return _cron(
            tz, f"weekdays {at}", f"every weekday at {at}", once=True, day_of_week="mon-fri", **fields
        )
    names = ",".join(DAYS[i] for i in days)
    return _cron(
        tz, f"{names} {at}", f"every {describe_days(days)} at {at}", once=True, day_of_week=names, **fields
    )


def _check_day_words(head: str, original: str) -> list[int]:
    try:
        return parse_day_list(head)
    except DayError as error:
        if "," not in head and "-" not in head:
            close = difflib.get_close_matches(head, [*_KEYWORDS, *DAYS], n=1, cutoff=0.6)
            if close and close[0] in _KEYWORDS:
                raise ScheduleError(f"`{head}` is not understood: did you mean `{close[0]}`?") from None
            if not close:
                raise ScheduleError(f"`{original}` is not a schedule") from None
        raise ScheduleError(str(error)) from None


def _parse_cron(expression: str, tz: ZoneInfo) -> Schedule:
    parts = expression.split()
    if len(parts) != 5:
        raise ScheduleError(
            f'A cron schedule has five fields (minute hour day-of-month month day-of-week); "{expression}" '
            f"has {len(parts)}"
        )
    for name, part in zip(_CRON_FIELDS, parts, strict=True):
        if not _CRON_FIELD.match(part):
            raise ScheduleError(f'The {name} field `{part}` of "{expression}" is not valid cron')
    minute, hour, day, month, weekday = parts
    try:
        day_of_week = cron_day_of_week(weekday)
    except DayError as error:
        raise ScheduleError(f'In "{expression}": {error}') from None
    if day != "*" and day_of_week != "*":
        raise ScheduleError(
            f'"{expression}" sets both a day of month and a day of week, which cron reads as either one; '
            "use only one of them"
        )
    fields = {"minute": minute, "hour": hour, "day": day, "month": month, "day_of_week": day_of_week}
    text = f'"{minute} {hour} {day} {month} {day_of_week}"'
    schedule = _cron(tz, text, f"cron {text}", once="*" not in hour, **fields)
    _check_cron_frequency(schedule, expression)
    return schedule


def _check_cron_frequency(schedule: Schedule, expression: str) -> None:
    arguments = dict(schedule.fields)
    try:
        # An end date stops the search for a cron that never fires (30 February) instead of looping.
        trigger = WallClockCronTrigger(
            once_per_wall_time=schedule.once_per_wall_time,
            timezone=schedule.tz,
            end_date=_CHECK_FROM + _NEVER_AFTER,
            **arguments,
        )
        first = trigger.get_next_fire_time(None, _CHECK_FROM)
        day = CronTrigger(minute=arguments["minute"], hour=arguments["hour"], timezone=UTC)
    # APScheduler's field parsers raise several exception types for malformed values.
    except Exception as error:
        raise ScheduleError(f'"{expression}" is not valid cron: {error}') from None
    if first is None:
        raise ScheduleError(f'"{expression}" never fires')
    gap = _smallest_gap_in_a_day(day, crosses_midnight=_fires_on_consecutive_days(arguments))
    if gap is not None and gap < timedelta(minutes=MIN_INTERVAL_MINUTES):
        raise ScheduleError(
            f'"{expression}" is too often: it fires {_gap_words(gap)} apart, and the '
            f"minimum is every {MIN_INTERVAL_MINUTES} minutes"
        )


def _smallest_gap_in_a_day(day: CronTrigger, *, crosses_midnight: bool) -> timedelta | None:
    """The smallest gap between the times of day of the minute and hour fields (one day in UTC).

    Every day that fires, fires at the same times of day, so one day (plus the step past midnight when
    two days in a row can fire) shows the smallest gap without walking weeks of fire times.
    """
    midnight = _CHECK_FROM
    end = midnight + timedelta(days=1)
    times: list[datetime] = []
    fire: datetime | None = day.get_next_fire_time(None, midnight)
    while fire is not None and fire < end:
        if times and fire - times[-1] < timedelta(minutes=MIN_INTERVAL_MINUTES):
            return fire - times[-1]
        times.append(fire)
        fire = day.get_next_fire_time(fire, fire)
    gaps = [b - a for a, b in pairwise(times)]
    if crosses_midnight and times:
        gaps.append(times[0] + timedelta(days=1) - times[-1])
    return min(gaps, default=None)


def _fires_on_consecutive_days(arguments: dict[str, Any]) -> bool:
    """Whether two days in a row can both fire; when unsure (days of the month), assume they can."""
    weekdays = arguments["day_of_week"]
    if weekdays == "*" or arguments["day"] != "*":
        return True
    indexes = {DAYS.index(name) for name in weekdays.split(",")}
    return any((i + 1) % 7 in indexes for i in indexes)


def _gap_words(gap: timedelta) -> str:
    seconds = int(gap.total_seconds())
    return f"{seconds // 60} minute{'s' if seconds // 60 != 1 else ''}" if seconds >= 60 else f"{seconds}s"
