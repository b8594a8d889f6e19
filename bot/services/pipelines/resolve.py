"""From what a person typed to one connector: by id, by name (its `schema`), or by `group/name`, each
optionally after its source (`staging:salesforce`, `prod:warehouse/salesforce`).

Case-insensitive. A name used in two groups or two sources is ambiguous and answered with every candidate;
a typo is answered with the closest names over every source ("did you mean …").
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bot.fivetran.models import Connection, Group
from bot.keys import remote_id, source_of
from bot.services.pipelines.snapshot import AccountSnapshot

MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Found:
    connection: Connection


@dataclass(frozen=True)
class Ambiguous:
    query: str
    candidates: list[Connection]


@dataclass(frozen=True)
class Missing:
    query: str
    suggestions: list[Connection]


Resolution = Found | Ambiguous | Missing


def _group_matches(snapshot: AccountSnapshot, connection: Connection, text: str) -> bool:
    group = snapshot.groups.get(connection.group_id)
    names = {connection.group_id.lower(), remote_id(connection.group_id).lower()}
    if group is not None:
        names.add(group.name.lower())
    return text in names


def _source_prefix(snapshot: AccountSnapshot, key: str) -> tuple[str | None, str]:
    """`staging:salesforce` → ("staging", "salesforce") when `staging` is a configured source."""
    head, sep, rest = key.partition(":")
    return (head, rest) if sep and head in snapshot.sources else (None, key)


def resolve(snapshot: AccountSnapshot, query: str) -> Resolution:
    text = query.strip()
    if not text:
        return Missing(query, [])
    exact = snapshot.connections.get(text)
    if exact is not None:
        return Found(exact)
    source, key = _source_prefix(snapshot, text.lower())
    pool = [c for c in snapshot.connections.values() if source is None or source_of(c.id) == source]
    if "/" in key:
        group_part, _, name_part = key.rpartition("/")
        matches = [c for c in pool if c.name.lower() == name_part and _group_matches(snapshot, c, group_part)]
    else:
        matches = [c for c in pool if c.name.lower() == key or remote_id(c.id).lower() == key]
    if len(matches) == 1:
        return Found(matches[0])
    if matches:
        ordered = sorted(matches, key=lambda c: (snapshot.place(c).lower(), c.id))
        return Ambiguous(query, ordered[:MAX_CANDIDATES])
    return Missing(query, suggest(snapshot, text.lower()))


def suggest(snapshot: AccountSnapshot, key: str) -> list[Connection]:
    """The closest connectors to a typo, by name, `group/name` and id."""
    by_label: dict[str, list[Connection]] = {}
    for c in snapshot.connections.values():
        for label in (c.name.lower(), f"{snapshot.place(c).lower()}/{c.name.lower()}", c.id.lower()):
            by_label.setdefault(label, []).append(c)
    close = difflib.get_close_matches(key, list(by_label), n=MAX_CANDIDATES * 2, cutoff=0.6)
    found: dict[str, Connection] = {}
    for label in close:
        for c in by_label[label]:
            found.setdefault(c.id, c)
    if not found:  # a fragment ("sales") is a near miss too
        for label, conns in by_label.items():
            if len(key) >= 3 and key in label:
                for c in conns:
                    found.setdefault(c.id, c)
    return list(found.values())[:MAX_CANDIDATES]


def resolve_group(snapshot: AccountSnapshot, query: str) -> list[Group]:
    """The groups `query` names: by id or name, optionally after a source (`staging:warehouse`). More
    than one when a name is used in several sources (or twice in one), none for a typo."""
    source, key = _source_prefix(snapshot, query.strip().lower())
    return [
        g
        for g in snapshot.groups.values()
        if (source is None or source_of(g.id) == source)
        and key in (g.id.lower(), remote_id(g.id).lower(), g.name.lower())
    ]
