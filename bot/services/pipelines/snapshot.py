"""One account snapshot (groups and every connection), fetched with as few requests as the API allows,
cached briefly and shared by concurrent callers.

Fetching costs ceil(connections / 1000) pages plus the groups, whatever the number of people asking at
once: a second caller during a fetch waits for that fetch instead of starting its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.fivetran.models import Connection, Group
from bot.keys import DEFAULT_SOURCE, remote_id, source_of
from bot.services.pipelines.gcpause import collector_paused
from bot.services.pipelines.health import Health, classify
from bot.services.pipelines.order import Presort, Selection, place_of, reordered
from bot.services.pipelines.source import PagedSource, PipelineSource
from bot.services.runtime.foreground import Defer, at_once


@dataclass
class AccountSnapshot:
    groups: dict[str, Group]
    connections: dict[str, Connection]
    fetched_at: datetime
    health: dict[str, Health] = field(default_factory=dict)
    # Which sources this covers (every row names its source when there are several) and, of those, which
    # could not be reached, each with why: their pipelines are missing, not gone.
    sources: tuple[str, ...] = (DEFAULT_SOURCE,)
    unreachable: dict[str, str] = field(default_factory=dict)
    # What `selectors.select` found in this snapshot, by selector. A snapshot is never changed in place
    # (a change is a new one, `with_connection`), so a selection stays true for the snapshot's life, and
    # a hundred `/hvr list` a second between two fetches sort the account once, not a hundred times.
    selections: dict[object, Selection] = field(default_factory=dict, repr=False, compare=False)
    # Every connection in list order with the count of each health, when the fetch sorted its pages as they
    # came (`order.Presort`): what a selection is then taken from, without a sort; `with_connection` keeps it.
    ordered: Selection | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.health:
            self.health = {cid: classify(c) for cid, c in self.connections.items()}

    def group_name(self, connection: Connection) -> str:
        group = self.groups.get(connection.group_id)
        return group.name if group else remote_id(connection.group_id)

    def place(self, connection: Connection) -> str:
        """Where a connection lives, as rows show it: its group, after its source when there are several
        (`staging:warehouse`), so that `place/name` is what a person types to name it."""
        return place_of(self.groups, self.several, connection)

    def with_connection(self, connection: Connection) -> AccountSnapshot:
        """A copy with one connection replaced: what the bot knows right after it changed something. Its
        list order, when this one has it, is the same with that connection moved (`order.reordered`)."""
        connections = {**self.connections, connection.id: connection}
        health = {**self.health, connection.id: classify(connection)}
        ordered = None
        if self.ordered is not None:
            ordered = reordered(
                self.ordered,
                self.connections.get(connection.id),
                connection,
                before=self.health,
                after=health,
                groups=self.groups,
                several=self.several,
                connections=connections,
            )
        return AccountSnapshot(
            self.groups,
            connections,
            self.fetched_at,
            health,
            self.sources,
            self.unreachable,
            ordered=ordered,
        )

    def group_label(self, group: Group) -> str:
        """A group's name as lists show it: after its source when there are several."""
        return f"{source_of(group.id)}:{group.name}" if self.several else group.name

    def label(self, connection: Connection) -> str:
        """A connection's name as lists of names show it: after its source when there are several."""
        return f"{source_of(connection.id)}:{connection.name}" if self.several else connection.name

    def names(self) -> dict[str, str]:
        """Each connection's `label` by its key: how a record that keeps ids (audit, bulk runs) names them."""
        return {cid: self.label(c) for cid, c in self.connections.items()}

    def by_source(self, connections: list[Connection]) -> dict[str, int]:
        """How many of `connections` each source has, in configured order; empty with one source."""
        if not self.several:
            return {}
        counts = {name: 0 for name in self.sources}
        for connection in connections:
            counts[source_of(connection.id)] = counts.get(source_of(connection.id), 0) + 1
        return counts

    @property
    def several(self) -> bool:
        return len(self.sources) > 1

    def counts(self) -> dict[Health, int]:
        found = {h: 0 for h in Health}
        for value in self.health.values():
            found[value] += 1
        return found


# Connections a source that lists them at once hands over between two yields to the loop (~2 ms of
# comparing and sorting here), so a command is never held up long.
REUSE_CHUNK = 1000


class _Build:
    """A snapshot's connections put together a page at a time, while the next page is on its way.

    Each one equal to the previous snapshot's is replaced by that very object (its health with it), so
    that what did not change is the same object from fetch to fetch: the watcher then skips it by identity
    (bot/services/alerts/watcher.py); nothing changes a model in place. The others are classified. All are
    sorted into list order as they come (`Presort`): after the last page, only that page's share of the
    comparing, classifying and sorting is left (10,000 connections: ~6 ms of CPU, ~30 ms when it was all
    done after the last page)."""

    def __init__(self, previous: AccountSnapshot | None) -> None:
        self.connections: dict[str, Connection] = {}
        self.health: dict[str, Health] = {}
        self._was = previous.connections if previous is not None else {}
        self._was_health = previous.health if previous is not None else {}
        self._presort: Presort | None = Presort(self.health)
        self._groups: dict[str, Group] | None = None
        # the page last added: its duplicates are freed with the replaced snapshot (the cache hands this
        # build to `defer`, with its sort keys), not before the answer
        self._last: Sequence[Connection] = ()

    def add(self, page: Sequence[Connection]) -> None:
        kept, health, was, was_health = self.connections, self.health, self._was, self._was_health
        before = len(kept)
        added: list[Connection] = []
        for connection in page:
            cid = connection.id
            old = was.get(cid)
            known = was_health.get(cid)
            if old is not None and known is not None and old == connection:
                kept[cid], health[cid] = old, known
                added.append(old)
            else:
                kept[cid], health[cid] = connection, classify(connection)
                added.append(connection)
        self._last = page
        if self._presort is not None:
            if len(kept) - before < len(added):
                # a connection listed twice (the account changed between pages): the dict keeps the first
                # one's place, the presort both; the selection is then sorted in one pass, as before
                self._presort = None
            else:
                self._presort.add(added)

    def place(self, groups: list[Group]) -> dict[str, Group]:
        """Sort what came so far into list order (the groups are in): the groups by id."""
        if self._groups is None:
            self._groups = {g.id: g for g in groups}
        if self._presort is not None:
            self._presort.place(self._groups)
        return self._groups

    def snapshot(
        self, groups: list[Group], fetched_at: datetime, sources: tuple[str, ...]
    ) -> AccountSnapshot:
        by_id = self.place(groups)
        ordered = self._presort.selection(by_id) if self._presort is not None else None
        return AccountSnapshot(by_id, self.connections, fetched_at, self.health, sources, ordered=ordered)


async def _in_chunks(listed: Awaitable[list[Connection]]) -> AsyncIterator[list[Connection]]:
    """The connections of a source that lists them at once, a chunk at a time, each gone from the list as
    it is handed over."""
    found = await listed
    while found:
        chunk = found[:REUSE_CHUNK]
        del found[:REUSE_CHUNK]
        yield chunk


# How long a warmed fetch's failure waits for the command it was started for (`warm`): that command asks
# within milliseconds, after its ack; later, a failure is not kept for whoever asks next.
WARM_KEPT_S = 10.0


def _retrieved(task: asyncio.Task[AccountSnapshot]) -> None:
    """A warmed fetch nobody awaited ended: its failure is looked at, so asyncio does not log it as lost."""
    if not task.cancelled():
        task.exception()


class Snapshots(Protocol):
    """What digests, alerts and the watcher need of `SnapshotCache`: a snapshot no older than `max_age`
    seconds (the cache's own ttl when None). Tests pass a fake that can also fail like Fivetran."""

    async def get(self, *, max_age: float | None = None) -> AccountSnapshot: ...


class RecentSnapshots(Snapshots, Protocol):
    """Besides: the last snapshot, however old, without fetching (None before the first is in), for what
    must not wait for Fivetran (a webhook's answer)."""

    def peek(self) -> AccountSnapshot | None: ...


class LiveSnapshots(RecentSnapshots, Protocol):
    """What the views and the changes need besides: telling the cache what changed. `SnapshotCache` is
    one source's; `Sources` is several behind the same face."""

    def update(self, connection: Connection) -> None: ...
    def invalidate(self) -> None: ...
    def warm(self) -> None: ...


class SnapshotCache:
    def __init__(
        self,
        client: PipelineSource,
        *,
        name: str = DEFAULT_SOURCE,
        ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        defer: Defer = at_once,
    ) -> None:
        """`defer`: where what the answers need not wait for goes (the foreground's `after`): freeing the
        snapshot a fetch replaced, ~120,000 objects (~18 ms) for 10,000 connections, and the collector's
        resume (`gcpause`)."""
        self._client = client
        self._name = name
        self._ttl = ttl
        self._clock = clock
        self._now = now
        self._defer = defer
        self._snapshot: AccountSnapshot | None = None
        self._loaded_at = 0.0
        self._inflight: asyncio.Task[AccountSnapshot] | None = None
        self._warmed: tuple[asyncio.Task[AccountSnapshot], float] | None = None  # `warm`'s, and when
        self.fetches = 0
        # What changed while a fetch was under way: the fetch's pages may predate it, so it is re-applied.
        self._generation = 0
        self._changed_during_fetch: dict[str, Connection] = {}

    async def get(self, *, max_age: float | None = None) -> AccountSnapshot:
        age_limit = self._ttl if max_age is None else max_age
        if self._snapshot is not None and self._clock() - self._loaded_at <= age_limit:
            return self._snapshot
        if self._inflight is None or (self._inflight.done() and not self._warmed_for_now(self._inflight)):
            self._inflight = asyncio.create_task(self._fetch())
        task = self._inflight
        try:
            # shield: one caller giving up (a cancelled request) must not cancel everyone's fetch
            return await asyncio.shield(task)
        finally:
            if task.done() and self._inflight is task:
                self._inflight = None
                self._warmed = None

    def warm(self) -> None:
        """Starts the fetch a command is about to wait for, when one is due, without waiting for it: the
        command's `get` then joins it. A command arriving starts its fetch here while its ack is still on
        its way to Slack (~15 ms: Bolt hands an ack over on a 10 ms poll, and the command's work waits for
        its ack to be out, `ack_out`). A failure is its `get`'s to report, or the next fetch's."""
        if self._snapshot is not None and self._clock() - self._loaded_at <= self._ttl:
            return
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.create_task(self._fetch())
            self._inflight.add_done_callback(_retrieved)
            self._warmed = (self._inflight, self._clock())

    def _warmed_for_now(self, task: asyncio.Task[AccountSnapshot]) -> bool:
        """Whether `task` is a fetch warmed for the command now asking (it failed before the command
        waited on it): that command hears its failure rather than asking again. A 429 told to wait an
        hour was asked twice. One warmed longer ago was for a command that never asked (refused)."""
        warmed = self._warmed
        return warmed is not None and warmed[0] is task and self._clock() - warmed[1] <= WARM_KEPT_S

    async def _fetch(self) -> AccountSnapshot:
        with collector_paused(self._defer):
            return await self._fetch_paused()

    async def _fetch_paused(self) -> AccountSnapshot:
        self.fetches += 1
        generation = self._generation
        self._changed_during_fetch = {}
        groups_task = asyncio.create_task(self._client.list_groups())
        build = _Build(self._snapshot)
        try:
            async for page in self._pages():
                await asyncio.sleep(0)  # other requests' turn between a page's decoding and its sorting
                build.add(page)
                if groups_task.done() and not groups_task.cancelled() and groups_task.exception() is None:
                    build.place(groups_task.result())
        except BaseException:
            groups_task.cancel()
            raise
        groups = await groups_task
        snapshot = build.snapshot(groups, self._now(), (self._name,))
        for changed in self._changed_during_fetch.values():
            snapshot = snapshot.with_connection(changed)
        self._changed_during_fetch = {}
        # the one replaced is freed later, not while the callers waiting on this fetch are answered
        replaced = [self._snapshot, build]
        self._defer(replaced.clear)
        self._snapshot = snapshot
        # invalidated meanwhile: usable now, but not fresh, so the next caller fetches again
        self._loaded_at = self._clock() if generation == self._generation else float("-inf")
        return snapshot

    def _pages(self) -> AsyncIterator[Sequence[Connection]]:
        if isinstance(self._client, PagedSource):
            return self._client.connection_pages()
        return _in_chunks(self._client.list_connections())

    def peek(self) -> AccountSnapshot | None:
        """The last snapshot, however old, without fetching: for views that can say "as of …"."""
        return self._snapshot

    def update(self, connection: Connection) -> None:
        """Fold in a connection the bot just fetched or changed, so the next view is current."""
        if self._snapshot is not None:
            self._snapshot = self._snapshot.with_connection(connection)
        if self._inflight is not None and not self._inflight.done():
            self._changed_during_fetch[connection.id] = connection

    def invalidate(self) -> None:
        self._generation += 1
        self._loaded_at = float("-inf")
