"""Day-of-week names and numbers, as people and standard cron write them.

APScheduler 3.x counts Monday as 0 and passes numbers through unmapped, so crontab's `1` would mean
Tuesday there. Everything is translated to names here, which both agree on.
"""

from __future__ import annotations

import difflib
import re

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ALIASES = {name.lower(): DAYS[i] for i, name in enumerate(FULL_NAMES)} | {
    "tues": "tue",
    "wednes": "wed",
    "thur": "thu",
    "thurs": "thu",
}
_NUMBER = re.compile(r"^[0-9]+$")


class DayError(ValueError):
    """A day-of-week expression that is not understood; the message says which part and why."""


def day_index(word: str) -> int:
    """0 = Monday … 6 = Sunday, from a name such as `mon` or `monday`."""
    name = _ALIASES.get(word, word)
    if name in DAYS:
        return DAYS.index(name)
    close = difflib.get_close_matches(word, [*DAYS, *_ALIASES], n=1, cutoff=0.5)
    hint = f": did you mean `{_ALIASES.get(close[0], close[0])}`?" if close else " (use mon, tue, … sun)"
    raise DayError(f"`{word}` is not a day{hint}")


def parse_day_list(text: str) -> list[int]:
    """`mon,thu`, `mon-fri`, `fri-mon` (wraps round the weekend), full names: sorted day indexes."""
    chosen: set[int] = set()
    for part in text.split(","):
        if not part:
            raise DayError(f"`{text}` has an empty day between commas")
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = day_index(first), day_index(last)
            span = (end - start) % 7
            chosen.update((start + i) % 7 for i in range(span + 1))
        else:
            chosen.add(day_index(part))
    return sorted(chosen)


def _cron_day(word: str) -> int:
    """A day in standard cron: 0 or 7 is Sunday, 1 Monday; names as usual. Returns 0 = Monday."""
    if _NUMBER.match(word):
        number = int(word)
        if number > 7:
            raise DayError(f"day of week `{word}` is out of range: cron days are 0-7 (0 and 7 are Sunday)")
        return (number - 1) % 7
    return day_index(word)


def cron_day_of_week(field: str) -> str:
    """Standard cron's day-of-week field as APScheduler names: `1-5` → `mon,tue,wed,thu,fri`."""
    if field == "*":
        return "*"
    chosen: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not _NUMBER.match(step_text) or int(step_text) == 0:
                raise DayError(f"`{part}` has a step that is not a positive number")
            step = int(step_text)
        if base == "*":
            numbers = list(range(0, 7, step))  # cron numbering, 0 = Sunday
            chosen.update((n - 1) % 7 for n in numbers)
            continue
        if "-" in base:
            first, _, last = base.partition("-")
            if _NUMBER.match(first) and _NUMBER.match(last):
                if int(first) > int(last):
                    raise DayError(f"day range `{base}` goes backwards")
                if int(last) > 7:
                    raise DayError(f"day of week `{last}` is out of range: cron days are 0-7")
                numbers = list(range(int(first), int(last) + 1, step))
                chosen.update((n - 1) % 7 for n in numbers)
                continue
            start, end = _cron_day(first), _cron_day(last)
            span = (end - start) % 7
            chosen.update((start + i) % 7 for i in range(0, span + 1, step))
            continue
        if step_text:
            raise DayError(f"`{part}`: a step needs a range or `*`")
        chosen.add(_cron_day(base))
    if len(chosen) == 7:
        return "*"
    return ",".join(DAYS[i] for i in sorted(chosen))


def describe_days(indexes: list[int]) -> str:
    names = [FULL_NAMES[i] for i in indexes]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
