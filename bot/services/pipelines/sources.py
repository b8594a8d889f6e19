"""Every configured source behind the one face a single source has (DESIGN section 8).

`Sources` is a snapshot cache and a `PipelineSource` at once, so the services written for one account work
unchanged on several: its snapshot holds every source's pipelines (under their keys) and names the sources
that could not be reached; a call about a pipeline goes to the source its key names, and only there. Each
source keeps its own client, credentials, request budget and snapshot cache.

One source down never hides the others: the snapshot is what the reachable ones gave, with the others in
`unreachable`. Only when every source fails does `get` raise, as one source's cache would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast, runtime_checkable

from bot.fivetran.errors import (
    FivetranError,
    Forbidden,
    NotFound,
    RateLimited,
    StatusError,
    Timeout,
    TransportError,
    Unauthorized,
)
from bot.fivetran.models import ConnectCard, Connection, Group, SchemaSettings, TableColumns
from bot.hvr.models import ChannelTable
from bot.keys import source_of
from bot.services.pipelines.hub_views import ChannelView, JobError
from bot.services.pipelines.kinds import SourceKinds
from bot.services.pipelines.operations import HubOperations, JobView, OperationView, hub_operations
from bot.services.pipelines.order import merged
from bot.services.pipelines.snapshot import AccountSnapshot, SnapshotCache
from bot.services.pipelines.source import PipelineSource


@dataclass(frozen=True)
class Member:
    name: str
    source: PipelineSource
    cache: SnapshotCache


@runtime_checkable
class OnAHub(Protocol):
    """A source on an HVR hub (`HubSource`), as far as its name goes: a protocol, so that this module does
    not import the hub's client (a bot without hubs never loads it)."""

    @property
    def hub_name(self) -> str: ...


class UnknownSource(NotFound):
    """A key naming a source that is not configured (a button from before the configuration changed)."""


def unreachable_reason(error: FivetranError) -> str:
    """Why a source gave nothing, in a few words a list shows after its name (no secret, no body)."""
    if isinstance(error, Unauthorized | Forbidden):
        return f"its {error.credential} was not accepted; an admin can check it with `hvr-bot check`."
    if isinstance(error, RateLimited):
        return (
            "its API budget is used up for now." if error.is_fivetran else "it turns requests away for now."
        )
    if isinstance(error, TransportError):
        return "it did not answer in time." if isinstance(error, Timeout) else "it could not be reached."
    if isinstance(error, StatusError) and error.status_code >= 500:
        return f"it answered with an internal error (HTTP {error.status_code})."
    return "it answered with something unexpected."


def merge(
    names: Sequence[str], snapshots: Mapping[str, AccountSnapshot], unreachable: Mapping[str, str]
) -> AccountSnapshot:
    """One snapshot of several sources' pipelines; keys never collide, since each carries its source."""
    groups: dict[str, Group] = {}
    connections: dict[str, Connection] = {}
    health = {}
    for snapshot in snapshots.values():
        groups.update(snapshot.groups)
        connections.update(snapshot.connections)
        health.update(snapshot.health)
    fetched = min(s.fetched_at for s in snapshots.values())
    # Each source's list order, sorted by its fetch, merged without a sort (`order.merged`): when one has
    # none (a copy after a change), the first list sorts them all in one pass.
    orders = {name: s.ordered for name, s in snapshots.items() if s.ordered is not None}
    ordered = merged(orders) if len(orders) == len(snapshots) else None
    return AccountSnapshot(
        groups,
        connections,
        fetched,
        health,
        sources=tuple(names),
        unreachable=dict(unreachable),
        ordered=ordered,
    )


# What a merge was made of: each member's snapshot (by identity) and the failures beside them.
_MadeOf = tuple[tuple[tuple[str, AccountSnapshot], ...], tuple[tuple[str, str], ...]]


class Sources:
    def __init__(self, members: Sequence[Member]) -> None:
        if not members:
            raise ValueError("at least one source is needed")
        self._members = {m.name: m for m in members}
        self.names = tuple(self._members)
        # The last merge and what it was made of: a merge of 10,000 connections costs milliseconds, and
        # every command asks, so it is made again only when a member's snapshot (or a failure) changed.
        self._merged: (
            tuple[
                tuple[tuple[tuple[str, AccountSnapshot], ...], tuple[tuple[str, str], ...]], AccountSnapshot
            ]
            | None
        ) = None

    @property
    def fetches(self) -> int:
        """Fetches of every source's snapshot so far (tests and the benchmarks count them)."""
        return sum(m.cache.fetches for m in self._members.values())

    # --- the snapshot cache's face --------------------------------------------------------------------

    async def get(self, *, max_age: float | None = None) -> AccountSnapshot:
        members = list(self._members.values())
        if len(members) == 1:
            return await members[0].cache.get(max_age=max_age)
        answers = await asyncio.gather(
            *(m.cache.get(max_age=max_age) for m in members), return_exceptions=True
        )
        snapshots: dict[str, AccountSnapshot] = {}
        failed: dict[str, FivetranError] = {}
        for member, answer in zip(members, answers, strict=True):
            if isinstance(answer, AccountSnapshot):
                snapshots[member.name] = answer
            elif isinstance(answer, FivetranError):
                failed[member.name] = answer
            else:
                raise answer  # a bug or a cancellation is not a source being down
        if not snapshots:
            raise next(iter(failed.values()))
        reasons = {name: unreachable_reason(error) for name, error in failed.items()}
        return self._merge(snapshots, reasons)

    def _merge(self, snapshots: Mapping[str, AccountSnapshot], reasons: Mapping[str, str]) -> AccountSnapshot:
        # the member snapshots themselves are kept (not their ids, which a freed object's successor reuses)
        parts = tuple(snapshots.items())
        why = tuple(sorted(reasons.items()))
        if self._merged is not None:
            (was_parts, was_why), merged = self._merged
            same = len(was_parts) == len(parts) and all(
                a[0] == b[0] and a[1] is b[1] for a, b in zip(was_parts, parts, strict=True)
            )
            if same and was_why == why:
                return merged
        merged = merge(self.names, snapshots, reasons)
        self._merged = ((parts, why), merged)
        return merged

    def peek(self) -> AccountSnapshot | None:
        members = list(self._members.values())
        if len(members) == 1:
            return members[0].cache.peek()
        snapshots = {m.name: s for m in members if (s := m.cache.peek()) is not None}
        return self._merge(snapshots, {}) if snapshots else None

    def update(self, connection: Connection) -> None:
        found = self._members.get(source_of(connection.id))
        if found is not None:
            found.cache.update(connection)

    def invalidate(self) -> None:
        for member in self._members.values():
            member.cache.invalidate()

    def warm(self) -> None:
        for member in self._members.values():
            member.cache.warm()

    # --- the source's face: each call to the source that owns the key -------------------------------

    async def list_groups(self) -> list[Group]:
        return [g for m in self._members.values() for g in await m.source.list_groups()]

    async def list_connections(self) -> list[Connection]:
        return [c for m in self._members.values() for c in await m.source.list_connections()]

    def _source(self, key: str) -> PipelineSource:
        found = self._members.get(source_of(key))
        return found.source if found is not None else cast(PipelineSource, _Absent(source_of(key)))

    def get_connection(self, connection_id: str) -> Coroutine[Any, Any, Connection]:
        return self._source(connection_id).get_connection(connection_id)

    def pause(self, connection_id: str) -> Coroutine[Any, Any, Connection]:
        return self._source(connection_id).pause(connection_id)

    def resume(self, connection_id: str) -> Coroutine[Any, Any, Connection]:
        return self._source(connection_id).resume(connection_id)

    def sync(self, connection_id: str, *, force: bool = False) -> Coroutine[Any, Any, str]:
        return self._source(connection_id).sync(connection_id, force=force)

    def resync(
        self, connection_id: str, scope: Mapping[str, Sequence[str]] | None = None
    ) -> Coroutine[Any, Any, str]:
        return self._source(connection_id).resync(connection_id, scope)

    def resync_tables(
        self, connection_id: str, tables: Mapping[str, Sequence[str]]
    ) -> Coroutine[Any, Any, str]:
        return self._source(connection_id).resync_tables(connection_id, tables)

    def run_setup_tests(self, connection_id: str) -> Coroutine[Any, Any, Connection]:
        return self._source(connection_id).run_setup_tests(connection_id)

    def compare(self, connection_id: str, tables: Sequence[str] | None = None) -> Coroutine[Any, Any, str]:
        return self._hub(connection_id, "compare").compare(connection_id, tables)

    def event(self, connection_id: str, event_id: str) -> Coroutine[Any, Any, OperationView]:
        return self._hub(connection_id, "event").event(connection_id, event_id)

    def jobs(self, connection_id: str) -> Coroutine[Any, Any, list[JobView]]:
        return self._hub(connection_id, "jobs").jobs(connection_id)

    def set_schedule(
        self,
        connection_id: str,
        *,
        schedule_type: str | None = None,
        sync_frequency: int | None = None,
        daily_sync_time: str | None = None,
    ) -> Coroutine[Any, Any, Connection]:
        return self._source(connection_id).set_schedule(
            connection_id,
            schedule_type=schedule_type,
            sync_frequency=sync_frequency,
            daily_sync_time=daily_sync_time,
        )

    def connect_card(
        self, connection_id: str, *, redirect_uri: str, hide_setup_guide: bool = False
    ) -> Coroutine[Any, Any, ConnectCard]:
        return self._source(connection_id).connect_card(
            connection_id, redirect_uri=redirect_uri, hide_setup_guide=hide_setup_guide
        )

    def get_schemas(self, connection_id: str) -> Coroutine[Any, Any, SchemaSettings]:
        return self._source(connection_id).get_schemas(connection_id)

    def set_table_enabled(
        self, connection_id: str, schema: str, table: str, enabled: bool
    ) -> Coroutine[Any, Any, SchemaSettings]:
        return self._source(connection_id).set_table_enabled(connection_id, schema, table, enabled)

    def reload_schemas(self, connection_id: str) -> Coroutine[Any, Any, SchemaSettings]:
        return self._source(connection_id).reload_schemas(connection_id)

    def get_columns(self, connection_id: str, schema: str, table: str) -> Coroutine[Any, Any, TableColumns]:
        return self._source(connection_id).get_columns(connection_id, schema, table)

    def set_column(
        self,
        connection_id: str,
        schema: str,
        table: str,
        column: str,
        *,
        enabled: bool,
        hashed: bool | None = None,
    ) -> Coroutine[Any, Any, SchemaSettings]:
        return self._source(connection_id).set_column(
            connection_id, schema, table, column, enabled=enabled, hashed=hashed
        )

    # --- what only an HVR hub has (HubOperations, bot/services/pipelines/operations.py) -----------------

    def _hub(self, key: str, operation: str) -> HubOperations:
        """The hub's source the key names; a Fivetran connection's key is refused in the one sentence
        (an unconfigured source's key fails, when awaited, as every call about it does)."""
        found = self._members.get(source_of(key))
        if found is None:
            return cast(HubOperations, _Absent(source_of(key)))
        return hub_operations(found.source, operation)

    @property
    def hubs(self) -> dict[str, str]:
        """The HVR hubs among the sources: {source name: the hub's name on its server}."""
        return {m.name: m.source.hub_name for m in self._members.values() if isinstance(m.source, OnAHub)}

    @property
    def kinds(self) -> SourceKinds:
        """The sources by kind, in configured order: what messages name when no row says whose data."""
        hubs = self.hubs
        accounts = tuple(name for name in self._members if name not in hubs)
        return SourceKinds(accounts, tuple(hubs))

    def channel_view(self, key: str) -> Coroutine[Any, Any, ChannelView]:
        return self._hub(key, "channel_view").channel_view(key)

    def channel_tables(self, key: str) -> Coroutine[Any, Any, list[ChannelTable]]:
        return self._hub(key, "channel_tables").channel_tables(key)

    def last_error(self, key: str) -> Coroutine[Any, Any, JobError | None]:
        return self._hub(key, "last_error").last_error(key)


class _Absent:
    """A source that is not configured: every call fails, when awaited, as Fivetran's 404 would."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, operation: str) -> Callable[..., Awaitable[Any]]:
        async def refuse(*args: object, **kwargs: object) -> Any:
            raise UnknownSource(
                f"No source named {self._name!r} is configured.", code="UnknownSource", operation=operation
            )

        return refuse
