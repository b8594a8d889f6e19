"""`/hvr schedule <connector> [every 6h | daily 02:00 | manual | auto] [tz:<Area/City>]`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands.digest_commands import parse_timezone
from bot.commands.usage import UsageError
from bot.services.pipelines.schedule import ScheduleChange, ScheduleError, check_minutes

USAGE = (
    "`/hvr schedule <connector>` shows it; `/hvr schedule <connector> every 6h | daily 02:00 | manual | auto "
    "[tz:Europe/Berlin]` changes it."
)
_EVERY = re.compile(r"^(\d{1,4})\s*(m|min|h)$", re.IGNORECASE)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class ScheduleCmd:
    connector: str
    change: ScheduleChange | None = None  # None: show the schedule


def _error(message: str) -> UsageError:
    return UsageError(message, "schedule")


def parse_schedule_command(args: list[str], *, default_tz: str) -> ScheduleCmd:
    if not args:
        raise _error(f"`schedule` needs a connector. {USAGE}")
    connector, rest = args[0], args[1:]
    tz = default_tz
    words: list[str] = []
    for token in rest:
        if token.lower().startswith("tz:"):
            try:
                tz = parse_timezone(token[3:]).key
            except UsageError as error:
                raise _error(error.message) from None
        else:
            words.append(token.lower())
    if not words:
        if tz != default_tz:
            raise _error(f"`tz:` goes with a daily time. {USAGE}")
        return ScheduleCmd(connector)
    try:
        return ScheduleCmd(connector, _change(words, tz))
    except ScheduleError as error:
        raise _error(str(error)) from None


def _change(words: list[str], tz: str) -> ScheduleChange:
    head, tail = words[0], words[1:]
    if head in ("manual", "auto") and not tail:
        return ScheduleChange(head)  # type: ignore[arg-type]
    if head == "every" and tail:
        match = _EVERY.match("".join(tail))
        if match is None:
            raise _error(f"Say the interval like `every 6h` or `every 15m`. {USAGE}")
        number = int(match.group(1))
        minutes = number * 60 if match.group(2).lower() == "h" else number
        return ScheduleChange("every", minutes=check_minutes(minutes))
    if head == "daily" and len(tail) <= 1:
        if not tail:
            return ScheduleChange("daily", tz=tz)
        match = _TIME.match(tail[0])
        if match is None:
            raise _error(f"`{tail[0][:20]}` is not a time: write it as HH:MM, like `daily 02:00`.")
        return ScheduleChange("daily", at=f"{int(match.group(1)):02d}:{match.group(2)}", tz=tz)
    raise _error(f"I don't know the schedule `{' '.join(words)[:60]}`. {USAGE}")
