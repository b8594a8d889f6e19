"""Selectors (`group:<name|id>`, `status:<health>`, `service:<type>`) and free-text filters.

A selector stands for every matching connector. Several terms of the same kind are alternatives (status:
broken status:failing), terms of different kinds must all hold.
"""

from __future__ import annotations

import logging
import shlex
from dataclasses import dataclass, field

from bot.fivetran.models import Connection
from bot.keys import remote_id, source_of
from bot.services.pipelines.gcpause import collector_paused
from bot.services.pipelines.health import Health, parse_health
from bot.services.pipelines.order import Selection, list_key
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.storage.subscriptions import Subscription

log = logging.getLogger(__name__)

SELECTOR_KEYS = ("group", "status", "service", "source")


class SelectorError(ValueError):
    pass


@dataclass(frozen=True)
class Selector:
    groups: tuple[str, ...] = ()
    statuses: tuple[Health, ...] = ()
    services: tuple[str, ...] = ()
    text: tuple[str, ...] = field(default=())
    sources: tuple[str, ...] = ()  # `source:<name>`: pipelines of these sources only

    @property
    def is_empty(self) -> bool:
        return not (self.groups or self.statuses or self.services or self.text or self.sources)

    def describe(self) -> str:
        parts = [f"source:{s}" for s in self.sources]
        parts += [f"group:{g}" for g in self.groups]
        parts += [f"status:{s.value}" for s in self.statuses]
        parts += [f"service:{s}" for s in self.services]
        parts += [f'"{t}"' for t in self.text]
        return " ".join(parts) or "all connectors"

    def as_text(self) -> str:
        """The selector as a person would type it, to store and to put in a button; quoted where a term
        has spaces (`group:"BigQuery Staging"`), so `parse_selector_text` reads back the same selector."""
        parts = [f"source:{s}" for s in self.sources]
        parts += [f"group:{g}" for g in self.groups]
        parts += [f"status:{s.value}" for s in self.statuses]
        parts += [f"service:{s}" for s in self.services]
        parts += list(self.text)
        return shlex.join(parts)


# What iOS, macOS and Slack's own editor type for ' and ": a selector typed on them must parse the same.
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'"})


def straight_quotes(text: str) -> str:
    """Curly quotes as the straight ones shlex reads (`group:“Redshift Finance”` → `group:"Redshift Finance"`)."""
    return text.translate(_SMART_QUOTES)


def parse_selector_text(text: str) -> Selector:
    """A selector from its `as_text()` form (or anything a person typed after the verb)."""
    text = straight_quotes(text)
    try:
        tokens = shlex.split(text)
    except ValueError:
        tokens = text.split()
    return parse_selector(tokens, allow_text=True)


def store_selector(selector: Selector) -> str:
    """The one stored form of a selector, in the `selector` column of a digest and of a watch alike.

    Text (`as_text()`) rather than JSON: it is what the person typed and what the Home tab shows, it holds
    every kind of term (free text, and kinds added later such as `source:`) without a new shape, and
    `load_selector` reads it back to the same selector. Migration 0005 moved digests' JSON to it.
    """
    return selector.as_text()


def load_selector(text: str) -> Selector:
    """A stored selector read back; raises `SelectorError` for one this version cannot read."""
    return parse_selector_text(text)


def subscription_selector(subscription: Subscription) -> Selector | None:
    """A digest's or a watch's selector; None (and a log line) for one this version cannot read.

    The caller then fires or matches nothing for it: reading it as "every connector" would send the
    channel what it never asked for.
    """
    try:
        return load_selector(subscription.selector)
    except SelectorError:
        log.warning(
            "%s %s has an unreadable selector %r", subscription.kind, subscription.id, subscription.selector
        )
        return None


def is_selector_term(token: str) -> bool:
    key, sep, _ = token.partition(":")
    return bool(sep) and key.lower() in SELECTOR_KEYS


def parse_selector(tokens: list[str], *, allow_text: bool = True) -> Selector:
    groups: list[str] = []
    statuses: list[Health] = []
    services: list[str] = []
    sources: list[str] = []
    text: list[str] = []
    for token in tokens:
        key, sep, value = token.partition(":")
        key = key.lower()
        if sep and key in SELECTOR_KEYS:
            if not value:
                raise SelectorError(f"`{key}:` needs a value, e.g. `{key}:{_EXAMPLE[key]}`")
            if key == "group":
                groups.append(value)
            elif key == "service":
                services.append(value.lower())
            elif key == "source":
                sources.append(value.lower())
            else:
                health = parse_health(value)
                if health is None:
                    known = ", ".join(h.value for h in Health)
                    raise SelectorError(f"`status:{value}` is not a health; use one of {known}")
                statuses.append(health)
        elif allow_text:
            text.append(token)
        else:
            raise SelectorError(
                f"`{token}` is not a selector; use group:<name>, status:<health>, service:<type> or source:<name>"
            )
    return Selector(tuple(groups), tuple(statuses), tuple(services), tuple(text), tuple(sources))


_EXAMPLE = {"group": "warehouse", "status": "failing", "service": "salesforce", "source": "staging"}


def _in_group(snapshot: AccountSnapshot, connection: Connection, wanted: str) -> bool:
    wanted = wanted.lower()
    return (
        connection.group_id.lower() == wanted
        or remote_id(connection.group_id).lower() == wanted
        or snapshot.group_name(connection).lower() == wanted
    )


def matches(snapshot: AccountSnapshot, connection: Connection, selector: Selector) -> bool:
    if selector.sources and source_of(connection.id) not in selector.sources:
        return False
    if selector.groups and not any(_in_group(snapshot, connection, g) for g in selector.groups):
        return False
    if selector.statuses and snapshot.health[connection.id] not in selector.statuses:
        return False
    if selector.services and connection.service.lower() not in selector.services:
        return False
    if selector.text:
        haystack = " ".join(
            (connection.name, connection.id, connection.service, snapshot.place(connection))
        ).lower()
        if not all(t.lower() in haystack for t in selector.text):
            return False
    return True


# Distinct selectors remembered per snapshot: a snapshot lives for a cache ttl (30 s), and a person
# pages through one selection, so a handful is the common case; the bound is against a flood of queries.
SELECTIONS_KEPT = 64


def _selection(snapshot: AccountSnapshot, selector: Selector) -> Selection:
    found = snapshot.selections.get(selector)
    if found is None:
        ordered = snapshot.ordered
        if ordered is not None:  # sorted by the fetch, page by page: taken in that order, no sort
            found = _taken(snapshot, selector, ordered)
        else:
            with collector_paused():  # 10,000 sort keys, none in a cycle: no full collection amid the sort
                everything = snapshot.connections.values()
                if selector.is_empty:  # `/hvr list` as typed most: every connection, no test of each
                    matched = list(everything)
                else:
                    matched = [c for c in everything if matches(snapshot, c, selector)]
                key, tally = list_key(snapshot.health, snapshot.groups, snapshot.several)
                matched.sort(key=key)
                found = Selection(tuple(matched), tally)
        if len(snapshot.selections) >= SELECTIONS_KEPT:
            snapshot.selections.clear()
        snapshot.selections[selector] = found
    return found


def _taken(snapshot: AccountSnapshot, selector: Selector, ordered: Selection) -> Selection:
    """A selection out of every connection in list order: what matches, in that order, is what a stable
    sort of the matches gives (the key does not depend on the selector)."""
    if selector.is_empty:
        return ordered
    # its counts when asked (`counts_of`), as for any selection
    return Selection(tuple(c for c in ordered.connections if matches(snapshot, c, selector)))


def select(snapshot: AccountSnapshot, selector: Selector) -> list[Connection]:
    """Matching connectors, problems first (by health order), then by group and name: worked out once
    per snapshot and selector (a new list each call, which the caller may change)."""
    return list(_selection(snapshot, selector).connections)


def counts_of(snapshot: AccountSnapshot, selector: Selector) -> dict[Health, int]:
    """How many of `select(snapshot, selector)` are in each health (a list's summary line counts the
    whole selection, not the page shown), kept with the selection."""
    selection = _selection(snapshot, selector)
    if selection.counts is None:
        tally = {h: 0 for h in Health}
        health = snapshot.health
        for connection in selection.connections:
            tally[health[connection.id]] += 1
        selection.counts = tally
    return dict(selection.counts)


def source_counts(snapshot: AccountSnapshot, selector: Selector) -> dict[str, dict[Health, int]]:
    """With several sources, how many of `select(snapshot, selector)` each source has in each health (a
    list's line per source), kept with the selection: a page of a list of 20,000 had counted them all
    again. Only the sources with some; empty with one source."""
    if not snapshot.several:
        return {}
    selection = _selection(snapshot, selector)
    if selection.by_source is None:
        found: dict[str, dict[Health, int]] = {}
        health = snapshot.health
        for connection in selection.connections:
            source = source_of(connection.id)
            tally = found.get(source)
            if tally is None:
                tally = found[source] = {h: 0 for h in Health}
            tally[health[connection.id]] += 1
        selection.by_source = found
    return {name: dict(tally) for name, tally in selection.by_source.items()}


def unknown_groups(snapshot: AccountSnapshot, selector: Selector) -> list[str]:
    """Groups named in the selector that the account does not have: worth saying, not silently empty."""
    known = {g.id.lower() for g in snapshot.groups.values()} | {
        g.name.lower() for g in snapshot.groups.values()
    }
    return [g for g in selector.groups if g.lower() not in known]


def unknown_sources(snapshot: AccountSnapshot, selector: Selector) -> list[str]:
    """Sources named in the selector that are not configured."""
    return [s for s in selector.sources if s not in snapshot.sources]
