"""The `digest` verb of the `/hvr` grammar: tokens in, a typed digest command or a `UsageError` out.

A schedule may span several tokens (`daily 09:00`, `every 15 minutes`, an unquoted cron), so the tokens
of `digest add` are sorted by what they are, not where they stand: selector terms (`group:`, `status:`,
`service:`) and options (`only:problems`, `tz:`) are recognised by their key, and everything else is the
schedule. Nothing here reads the clock or the environment.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

from bot.commands.usage import UsageError
from bot.scheduler.schedule import ACCEPTED, Schedule, ScheduleError, parse_schedule
from bot.services.pipelines.selectors import Selector, SelectorError, is_selector_term, parse_selector

TOPIC = "digest"
ONLY_PROBLEMS = "only:problems"
SUBCOMMANDS = ("add", "list", "remove", "now")
_ALIASES = {"ls": "list", "rm": "remove", "delete": "remove", "del": "remove", "preview": "now"}
_TZ_KEYS = ("tz", "timezone", "zone")
_OPTION_KEYS = ("only", "tz")
# `09:00` and cron fields hold colons too; only a word made of letters before the colon is a key.
_KEYED = re.compile(r"^([a-z_-]+):(.*)$", re.IGNORECASE)
_ID = re.compile(r"^[0-9a-z]{1,16}$")

USAGE = (
    "`/hvr digest add <schedule> [<selector>] [only:problems] [tz:<Area/City>]`, `/hvr digest list`, "
    "`/hvr digest remove <id>`, `/hvr digest now [<selector>]`"
)


@dataclass(frozen=True)
class DigestAdd:
    schedule: Schedule
    selector: Selector = field(default_factory=Selector)
    only_problems: bool = False

    @property
    def tz(self) -> str:
        return self.schedule.tz.key


@dataclass(frozen=True)
class DigestForm:
    """`digest add` with nothing after it: the form, in a modal, instead of a usage error."""


@dataclass(frozen=True)
class DigestList:
    pass


@dataclass(frozen=True)
class DigestRemove:
    id: str


@dataclass(frozen=True)
class DigestNow:
    selector: Selector = field(default_factory=Selector)


DigestCommand = DigestAdd | DigestForm | DigestList | DigestRemove | DigestNow


def _error(message: str) -> UsageError:
    return UsageError(message, TOPIC)


def parse_digest(args: list[str], *, default_tz: str) -> DigestCommand:
    """`args` are the tokens after `digest`; `default_tz` is HVR_TIMEZONE (an IANA key)."""
    if not args:
        raise _error(f"`digest` needs a subcommand: {USAGE}.")
    sub, rest = args[0].lower(), args[1:]
    sub = _ALIASES.get(sub, sub)
    if sub == "add":
        return _parse_add(rest, default_tz) if rest else DigestForm()
    if sub == "list":
        if rest:
            raise _error(
                f"`digest list` takes nothing more; I don't know what to do with `{' '.join(rest)}`."
            )
        return DigestList()
    if sub == "remove":
        return DigestRemove(_parse_id(rest))
    if sub == "now":
        return DigestNow(_parse_selector(rest, "digest now"))
    close = difflib.get_close_matches(sub, SUBCOMMANDS, n=1, cutoff=0.5)
    hint = f" Did you mean `digest {close[0]}`?" if close else ""
    raise _error(f"`digest {_short(args[0])}` is not a digest command.{hint} Use {USAGE}.")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _parse_id(rest: list[str]) -> str:
    if not rest:
        raise _error("`digest remove` needs the digest's id: `/hvr digest list` shows them.")
    if len(rest) > 1:
        raise _error(f"`digest remove` takes one id; I don't know what to do with `{' '.join(rest[1:])}`.")
    wanted = rest[0].strip("`").lower()
    if not _ID.match(wanted):
        raise _error(f"`{_short(rest[0])}` is not a digest id: `/hvr digest list` shows them.")
    return wanted


def _parse_selector(tokens: list[str], where: str) -> Selector:
    for token in tokens:
        if not is_selector_term(token):
            _reject_unknown_option(token, where)
    try:
        return parse_selector(tokens, allow_text=False)
    except SelectorError as error:
        raise _error(str(error)) from None


def _parse_add(tokens: list[str], default_tz: str) -> DigestAdd:
    schedule_words: list[str] = []
    selector_terms: list[str] = []
    only_problems = False
    tz_text: str | None = None
    for token in tokens:
        keyed = _KEYED.match(token)
        key = keyed.group(1).lower() if keyed else ""
        if is_selector_term(token):
            selector_terms.append(token)
        elif key in _TZ_KEYS and keyed is not None:
            if tz_text is not None:
                raise _error("Give the time zone once, like `tz:Europe/Berlin`.")
            tz_text = keyed.group(2)
        elif token.lower() == ONLY_PROBLEMS:
            only_problems = True
        else:
            _reject_unknown_option(token, "digest add")
            schedule_words.append(token)
    tz = parse_timezone(tz_text if tz_text is not None else default_tz)
    if not schedule_words:
        raise _error(f"`digest add` needs a schedule, like `/hvr digest add weekdays 09:00`. {ACCEPTED}")
    try:
        selector = parse_selector(selector_terms, allow_text=False)
    except SelectorError as error:
        raise _error(str(error)) from None
    return DigestAdd(parse_schedule_words(schedule_words, tz), selector, only_problems)


def parse_schedule_words(words: list[str], tz: ZoneInfo) -> Schedule:
    try:
        return parse_schedule(" ".join(words), tz)
    except ScheduleError as error:
        # `daily 09:00 prod`: the schedule is fine and the leftover is a stray word; say so rather than
        # blaming the schedule.
        for end in range(len(words) - 1, 0, -1):
            try:
                parse_schedule(" ".join(words[:end]), tz)
            except ScheduleError:
                continue
            extra = " ".join(words[end:])
            raise _error(
                f"I don't know what to do with `{_short(extra)}`: after the schedule come selector terms "
                f"(group:<name>, status:<health>, service:<type>, source:<name>), `{ONLY_PROBLEMS}` and `tz:<Area/City>`."
            ) from None
        raise _error(str(error)) from None


def _reject_unknown_option(token: str, where: str) -> None:
    """A `key:value` token that is neither a selector term nor an option is a typo worth naming."""
    keyed = _KEYED.match(token)
    lowered = token.lower()
    if keyed is None:
        if difflib.get_close_matches(lowered, [ONLY_PROBLEMS, "onlyproblems", "problems"], cutoff=0.8):
            raise _error(f"`{_short(token)}` is not an option: did you mean `{ONLY_PROBLEMS}`?")
        return
    key = keyed.group(1).lower()
    if where != "digest add" and (key in _OPTION_KEYS or key in _TZ_KEYS):
        raise _error(
            f"`{where}` takes only a selector (group:, status:, service:, source:), not `{_short(token)}`."
        )
    if key == "only" or difflib.get_close_matches(lowered, [ONLY_PROBLEMS], cutoff=0.75):
        raise _error(f"`{_short(token)}` is not an option: did you mean `{ONLY_PROBLEMS}`?")
    candidates = ["group", "status", "service", "source", *(_OPTION_KEYS if where == "digest add" else ())]
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    hint = f" Did you mean `{close[0]}:`?" if close else ""
    raise _error(
        f"`{_short(token)}` is not understood.{hint} Selector terms are group:<name>, status:<health>, "
        f"service:<type> and source:<name>; options are `{ONLY_PROBLEMS}` and `tz:<Area/City>`."
    )


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_timezone(text: str) -> ZoneInfo:
    """An IANA zone (`Europe/Berlin`), matched case-insensitively; a clear error with suggestions else."""
    wanted = text.strip()
    zones = _zones_by_lower_name()
    name = zones.get(wanted.lower())
    if name is not None:
        try:
            return ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    # Suggest on the city part as well: `tz:berlin` should find Europe/Berlin.
    by_city = {key.rsplit("/", 1)[-1]: key for key in zones if "/" in key}
    lowered = wanted.lower().replace(" ", "_")
    close = difflib.get_close_matches(lowered, list(zones), n=2, cutoff=0.75)
    close += [by_city[c] for c in difflib.get_close_matches(lowered, list(by_city), n=2, cutoff=0.75)]
    suggestions = list(dict.fromkeys(zones[c] for c in close))[:3]
    hint = " Did you mean " + " or ".join(f"`tz:{s}`" for s in suggestions) + "?" if suggestions else ""
    raise _error(
        f"`{_short(wanted) or '(empty)'}` is not a time zone I know.{hint} Use an IANA name in the "
        "Area/City form, like `tz:Europe/Berlin`, `tz:America/New_York` or `tz:UTC`."
    )
