"""The order lists show connections in: problems first (by health order), then by place and name,
case-blind. Worked out in one pass over a snapshot (`list_key`, for `selectors`), or a page at a time while
a fetch's next page is on its way (`Presort`), so that after the last page only that page's share is left.

Both give the same order, ties included: Python's sort is stable, and a stable sort of each page merged
page after page keeps equal keys in the order the pages brought them, which is the snapshot's own order.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter

from bot.fivetran.models import Connection, Group
from bot.keys import SEPARATOR, remote_id, source_of
from bot.services.pipelines.health import Health

ListKey = tuple[int, str, str]
_RANKS = {h: h.rank for h in Health}
_first = itemgetter(0)
_second = itemgetter(1)


@dataclass
class Selection:
    """What one selector matched in one snapshot, in list order, and (once asked) how many per health."""

    connections: tuple[Connection, ...]
    counts: dict[Health, int] | None = None
    # with several sources, the counts of each source's share (`selectors.source_counts`)
    by_source: dict[str, dict[Health, int]] | None = None


def place_of(groups: Mapping[str, Group], several: bool, connection: Connection) -> str:
    """Where a connection lives, as rows show it: its group's name (its id when the account does not list
    the group), after its source when there are several."""
    group = groups.get(connection.group_id)
    name = group.name if group else remote_id(connection.group_id)
    return f"{source_of(connection.id)}:{name}" if several else name


def list_key(
    health: Mapping[str, Health], groups: Mapping[str, Group], several: bool
) -> tuple[Callable[[Connection], ListKey], dict[Health, int]]:
    """The list order's key, and how many of each health the keyed ones have, tallied as the keys are made
    (a sort makes one per connection), not in a second pass over 10,000 connections. A place is worked out
    once per group (and source), not once per connection: it was half the sort of 10,000."""
    tally = {h: 0 for h in Health}
    places: dict[tuple[str, str], str] = {}

    def key(connection: Connection) -> ListKey:
        found = health[connection.id]
        tally[found] += 1
        # a place reads only the connection's group and, with several sources, its source
        where = (source_of(connection.id) if several else "", connection.group_id)
        place = places.get(where)
        if place is None:
            place = places[where] = place_of(groups, several, connection).lower()
        name = connection.name
        low = name.lower()
        # a name already in lower case (most are) is kept, not its copy: the keys of a fetch live until its
        # answer is out (`Presort`), and 10,000 copies are ~0.6 MB of the process's peak
        return _RANKS[found], place, name if low == name else low

    return key, tally


class Presort:
    """Connections put in list order as a fetch brings them: each page sorted on its own, then merged into
    the pages before it (two sorted runs: one linear merge), while the next page is awaited.

    The keys need the groups (a place is a group's name), which come from a request of their own: pages
    that come before them wait in `add` and are placed by the first `place` that has them."""

    def __init__(self, health: Mapping[str, Health], *, several: bool = False) -> None:
        self._health = health  # filled by the caller before the connections are added
        self._several = several
        self._waiting: list[Connection] = []
        self._sorted: list[tuple[ListKey, Connection]] = []
        self._key: Callable[[Connection], ListKey] | None = None
        self._tally: dict[Health, int] = {}

    def add(self, connections: Iterable[Connection]) -> None:
        self._waiting += connections

    def place(self, groups: Mapping[str, Group]) -> None:
        """Sort what was added since the last call into the rest; `groups` must be the same each time."""
        if self._key is None:
            self._key, self._tally = list_key(self._health, groups, self._several)
        if not self._waiting:
            return
        key = self._key
        run = [(key(c), c) for c in self._waiting]
        self._waiting = []
        run.sort(key=_first)
        self._sorted += run
        self._sorted.sort(key=_first)  # the earlier pages first among equal keys: the sort is stable

    def selection(self, groups: Mapping[str, Group]) -> Selection:
        """Every connection added, in list order, with the count of each health."""
        self.place(groups)
        return Selection(tuple(map(_second, self._sorted)), dict(self._tally))


def merged(orders: Mapping[str, Selection]) -> Selection | None:
    """Several sources' orders (each source's own, by its name) as one, the order a sort of all of them
    with `list_key(..., several=True)` gives; None when one of them has no counts.

    With several sources a place is `source:group`, and a source's name holds no colon: within one health
    every connection of a source comes before, or after, all of another's, by `source + ":"`, and in the
    source's own order. Each order is health-major, so its runs of one health are cut out by its counts:
    no key is made again (a merge of 2 × 10,000 had sorted 20,000 connections for the first list)."""
    tallies: dict[str, dict[Health, int]] = {}
    for name, order in orders.items():
        if order.counts is None or sum(order.counts.values()) != len(order.connections):
            return None  # runs cannot be cut out by counts that do not add up to the order
        tallies[name] = order.counts
    found: list[Connection] = []
    starts = dict.fromkeys(orders, 0)
    for health in sorted(Health, key=_RANKS.__getitem__):
        for name in sorted(orders, key=lambda name: name + SEPARATOR):
            many, start = tallies[name][health], starts[name]
            found += orders[name].connections[start : start + many]
            starts[name] = start + many
    counts = {h: sum(tally[h] for tally in tallies.values()) for h in Health}
    return Selection(tuple(found), counts, {name: dict(tally) for name, tally in tallies.items()})


def reordered(
    ordered: Selection,
    old: Connection | None,
    new: Connection,
    *,
    before: Mapping[str, Health],
    after: Mapping[str, Health],
    groups: Mapping[str, Group],
    several: bool,
    connections: Mapping[str, Connection],
) -> Selection | None:
    """`ordered` (every connection of a snapshot in list order) with `old` replaced by `new`, or `new`
    added: the order a sort of the changed snapshot gives (`connections`, its healths `after`; `before`
    the healths `ordered` was made with). A change the bot made or saw (a pause, a fetch's latecomer) kept
    the next list from its order: 10,000 sorted again, now two binary searches and a copy. None when
    `old` is not where its key puts it, or the counts are missing: then the snapshot is sorted in one pass."""
    if ordered.counts is None:
        return None
    rows = list(ordered.connections)
    counts = dict(ordered.counts)
    by_source = {n: dict(t) for n, t in ordered.by_source.items()} if ordered.by_source is not None else None
    if old is not None:
        was_key, _ = list_key(before, groups, several)
        was = was_key(old)
        start, end = bisect_left(rows, was, key=was_key), bisect_right(rows, was, key=was_key)
        at = next((i for i in range(start, end) if rows[i] is old), None)
        if at is None:
            return None
        del rows[at]
        _tally(counts, by_source, old, before[old.id], -1)
    key, _ = list_key(after, groups, several)
    wanted = key(new)
    start, end = bisect_left(rows, wanted, key=key), bisect_right(rows, wanted, key=key)
    if start < end:  # equal keys keep the snapshot's own order, as the stable sort does
        places = {cid: i for i, cid in enumerate(connections)}
        mine = places[new.id]
        start = next((i for i in range(start, end) if places[rows[i].id] > mine), end)
    rows.insert(start, new)
    _tally(counts, by_source, new, after[new.id], 1)
    return Selection(tuple(rows), counts, by_source)


def _tally(
    counts: dict[Health, int],
    by_source: dict[str, dict[Health, int]] | None,
    connection: Connection,
    health: Health,
    step: int,
) -> None:
    counts[health] += step
    if by_source is not None:
        tally = by_source.setdefault(source_of(connection.id), {h: 0 for h in Health})
        tally[health] += step
