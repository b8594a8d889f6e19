"""From what a person typed to one connector: by id, by name (its `schema`), or by `group/name`.

Case-insensitive. A name used in two groups is ambiguous and answered with both; a typo is answered with
the closest names ("did you mean …").
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bot.fivetran.models import Connection
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
    names = {connection.group_id.lower()}
    if group is not None:
        names.add(group.name.lower())
    return text in names


def resolve(snapshot: AccountSnapshot, query: str) -> Resolution:
    text = query.strip()
    key = text.lower()
    if not key:
        return Missing(query, [])
    exact = snapshot.connections.get(text)
    if exact is not None:
        return Found(exact)
    if "/" in key:
        group_part, _, name_part = key.rpartition("/")
        matches = [
            c
            for c in snapshot.connections.values()
            if c.name.lower() == name_part and _group_matches(snapshot, c, group_part)
        ]
    else:
        matches = [c for c in snapshot.connections.values() if c.name.lower() == key or c.id.lower() == key]
    if len(matches) == 1:
        return Found(matches[0])
    if matches:
        ordered = sorted(matches, key=lambda c: (snapshot.group_name(c).lower(), c.id))
        return Ambiguous(query, ordered[:MAX_CANDIDATES])
    return Missing(query, suggest(snapshot, key))


def suggest(snapshot: AccountSnapshot, key: str) -> list[Connection]:
    """The closest connectors to a typo, by name, `group/name` and id."""
    by_label: dict[str, list[Connection]] = {}
    for c in snapshot.connections.values():
        for label in (c.name.lower(), f"{snapshot.group_name(c).lower()}/{c.name.lower()}", c.id.lower()):
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
