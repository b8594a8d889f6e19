"""`/hvr watch [<selector>] [events:<list>]`, `watch list` and `unwatch <id>`: text in, a command out."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from bot.commands.usage import UsageError
from bot.services.alerts.events import DEFAULT_WATCH_EVENTS, WatchEvent
from bot.services.pipelines.selectors import Selector, SelectorError, parse_selector

TOPIC = "watch"
_NAMES = [e.value for e in WatchEvent]
# What people type without thinking of the plural; `all` is every event.
_ALIASES = {
    "failure": WatchEvent.FAILURES,
    "failed": WatchEvent.FAILURES,
    "recovery": WatchEvent.RECOVERIES,
    "recovered": WatchEvent.RECOVERIES,
    "delay": WatchEvent.DELAYS,
    "delayed": WatchEvent.DELAYS,
    "pause": WatchEvent.PAUSES,
    "paused": WatchEvent.PAUSES,
    "sync": WatchEvent.SYNCS,
}


@dataclass(frozen=True)
class WatchAdd:
    selector: Selector = field(default_factory=Selector)
    events: tuple[WatchEvent, ...] = DEFAULT_WATCH_EVENTS


@dataclass(frozen=True)
class WatchForm:
    """`watch` with nothing after it: the form, in a modal (where none can open, it watches everything)."""


@dataclass(frozen=True)
class WatchList:
    pass


@dataclass(frozen=True)
class Unwatch:
    id: str


@dataclass(frozen=True)
class Unsnooze:
    connector: str


WatchCommand = WatchAdd | WatchForm | WatchList | Unwatch | Unsnooze


def _event(name: str) -> tuple[WatchEvent, ...]:
    if name == "all":
        return tuple(WatchEvent)
    try:
        return (WatchEvent(name),)
    except ValueError:
        pass
    if name in _ALIASES:
        return (_ALIASES[name],)
    shown = name if len(name) <= 30 else name[:30] + "…"
    close = difflib.get_close_matches(name, _NAMES, n=1, cutoff=0.6)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    raise UsageError(
        f"`{shown}` is not an event I can watch.{hint} Use any of {', '.join(_NAMES)} (or `all`), "
        "e.g. `events:failures,delays`.",
        TOPIC,
    )


def events_of(values: list[str]) -> tuple[WatchEvent, ...]:
    found: list[WatchEvent] = []
    for value in values:
        names = [n.strip().lower() for n in value.split(",") if n.strip()]
        if not names:
            raise UsageError(f"`events:` needs a list, e.g. `events:{','.join(_NAMES[:2])}`.", TOPIC)
        for name in names:
            found += [e for e in _event(name) if e not in found]
    # canonical order, so the same watch typed two ways is stored (and compared) the same
    return tuple(e for e in WatchEvent if e in found)


def parse_watch(verb: str, args: list[str]) -> WatchCommand:
    verb = verb.lower()
    if verb == "unsnooze":
        if len(args) != 1:
            raise UsageError(
                "`unsnooze` needs the pipeline: `/hvr unsnooze <connector>` (see `/hvr watch list`).",
                "unsnooze",
            )
        return Unsnooze(args[0])
    if verb == "unwatch":
        if len(args) != 1:
            raise UsageError(
                "`unwatch` needs the id of a watch: `/hvr unwatch <id>` (see `/hvr watch list`).", TOPIC
            )
        return Unwatch(args[0].strip().lower())
    if verb != "watch":
        raise UsageError(f"`{verb[:40]}` is not a watch command; use `watch` or `unwatch`.", TOPIC)
    if not args:
        return WatchForm()
    if args[0].lower() == "list":
        if len(args) > 1:
            raise UsageError(
                f"`watch list` takes nothing more; I don't know what to do with `{' '.join(args[1:])[:80]}`.",
                TOPIC,
            )
        return WatchList()
    event_values = [a.partition(":")[2] for a in args if a.lower().startswith("events:")]
    rest = [a for a in args if not a.lower().startswith("events:")]
    events = events_of(event_values) if event_values else DEFAULT_WATCH_EVENTS
    try:
        selector = parse_selector(rest, allow_text=True)
    except SelectorError as error:
        raise UsageError(str(error), TOPIC) from None
    return WatchAdd(selector, events)
