"""One HVR 6 hub as a source of pipelines (DESIGN section 8): its channels are the pipelines.

What maps to what: pause = one `jobs_suspend` of exactly the channel's capture and integrate jobs; resume =
`jobs_unsuspend` then `jobs_start`; sync = `jobs_start` with `trigger_failed`; historical re-sync = refresh
of every table, per-table re-sync = refresh of the named tables; setup test = each location's test. The
hub's errors are given back as the Fivetran error of the same meaning, so `Sources` and the views treat a
hub that cannot be reached like an account that cannot (said once, its channels unknown).
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import TypeVar

from bot.fivetran import errors as ft
from bot.fivetran.models import ConnectCard, Connection, Group, SchemaSettings, TableColumns
from bot.hvr import errors as hv
from bot.hvr.client import EventKind, HvrClient
from bot.hvr.models import Channel, Event, Job
from bot.keys import qualify, remote_id
from bot.services.pipelines.hub_health import as_connection, channel_jobs
from bot.services.pipelines.operations import EventState, JobView, OperationView, TableOutcome

T = TypeVar("T")


def translate(error: hv.HvrError, operation: str) -> ft.FivetranError:
    """The hub's error as the Fivetran one of the same meaning (the message holds no secret)."""
    message = str(error)
    if isinstance(error, hv.Timeout):
        return ft.Timeout(message, operation=operation)
    if isinstance(error, hv.TransportError):
        return ft.ConnectError(message, operation=operation)
    if isinstance(error, hv.StatusError):
        kinds: dict[type[hv.StatusError], type[ft.StatusError]] = {
            hv.Unauthorized: ft.Unauthorized,
            hv.Forbidden: ft.Forbidden,
            hv.NotFound: ft.NotFound,
            hv.BadRequest: ft.BadRequest,
            hv.RateLimited: ft.RateLimited,
        }
        cls = next((f for h, f in kinds.items() if isinstance(error, h)), ft.StatusError)
        return cls(message, status_code=error.status_code, operation=operation)
    return ft.DecodeError(message, operation=operation)


_STATES = {"DONE": EventState.DONE, "FAILED": EventState.FAILED, "CANCELED": EventState.CANCELED}


def operation_view(event: Event) -> OperationView:
    """An event as the follower reads it: its state, and per table the compare's verdict (the
    `compare_state` result when the hub gave one, else every result it gave for the table)."""
    tables = []
    for table, results in event.table_results().items():
        verdict = results.get("compare_state")
        if verdict is None:
            verdict = "; ".join(f"{k} {v}" if v else k for k, v in results.items())
        tables.append(TableOutcome(table or "(all tables)", verdict or "no result"))
    state = _STATES.get(event.state.upper(), EventState.ACTIVE)
    note = "" if state in (EventState.ACTIVE, EventState.DONE) else (event.response or "")
    return OperationView(event.ev_id, event.type.lower(), state, note=note, tables=tuple(tables))


class NotForHubs(ft.BadRequest):
    """An operation HVR channels do not have (schema and column settings)."""


class HubSource:
    def __init__(self, name: str, client: HvrClient) -> None:
        self.name = name
        self.client = client

    async def _call(self, operation: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except hv.HvrError as error:
            raise translate(error, operation) from None

    async def _definition(self) -> tuple[list[Channel], list[Job]]:
        channels = await self._call("channels", self.client.channels())
        jobs = await self._call("jobs", self.client.jobs())
        return channels, jobs

    async def _channel(self, key: str) -> tuple[Channel, list[Job]]:
        name = remote_id(key)
        channels, jobs = await self._definition()
        for channel in channels:
            if channel.name == name:
                return channel, jobs
        raise ft.NotFound(f"No channel {name!r} on the hub {self.name}.", operation="channel")

    def _row(self, channel: Channel, jobs: Sequence[Job]) -> Connection:
        return as_connection(self.name, self.client.hub, channel, jobs)

    async def list_groups(self) -> list[Group]:
        # the hub is the one group of its channels, so `place/name` reads `east:hvrhub/orders`
        return [Group(id=qualify(self.name, self.client.hub), name=self.client.hub)]

    async def list_connections(self) -> list[Connection]:
        channels, jobs = await self._definition()
        return [self._row(c, jobs) for c in channels]

    async def get_connection(self, connection_id: str) -> Connection:
        return self._row(*await self._channel(connection_id))

    def _job_names(self, channel: Channel, jobs: Sequence[Job]) -> list[str]:
        return [j.name for j in channel_jobs(channel.name, jobs)]

    async def pause(self, connection_id: str) -> Connection:
        channel, jobs = await self._channel(connection_id)
        await self._call("jobs_suspend", self.client.suspend_jobs(self._job_names(channel, jobs)))
        return await self.get_connection(connection_id)

    async def resume(self, connection_id: str) -> Connection:
        channel, jobs = await self._channel(connection_id)
        names = self._job_names(channel, jobs)
        await self._call("jobs_unsuspend", self.client.unsuspend_jobs(names))
        await self._call("jobs_start", self.client.start_jobs(names, trigger_failed=False))
        return await self.get_connection(connection_id)

    async def sync(self, connection_id: str, *, force: bool = False) -> str:
        channel, jobs = await self._channel(connection_id)
        await self._call(
            "jobs_start", self.client.start_jobs(self._job_names(channel, jobs), trigger_failed=True)
        )
        return "Sync started"

    async def _event(self, kind: EventKind, key: str, tables: Sequence[str] | None) -> str:
        channel, _ = await self._channel(key)
        if not channel.source_locs or not channel.target_locs:
            raise ft.BadRequest(
                f"The channel {channel.name} has no source or no target location.", operation=kind
            )
        return await self._call(
            kind,
            self.client.post_event(
                kind,
                channel.name,
                tables,
                source_loc=channel.source_locs[0],
                target_loc=channel.target_locs[0],
            ),
        )

    async def resync(self, connection_id: str, scope: Mapping[str, Sequence[str]] | None = None) -> str:
        tables = None if scope is None else [t for names in scope.values() for t in names]
        return await self._event("refresh", connection_id, tables)

    async def resync_tables(self, connection_id: str, tables: Mapping[str, Sequence[str]]) -> str:
        return await self._event("refresh", connection_id, [t for names in tables.values() for t in names])

    async def compare(self, connection_id: str, tables: Sequence[str] | None = None) -> str:
        """`compare <pipeline> [<table>…]` (HVR only): the event's id, followed until it ends."""
        return await self._event("compare", connection_id, tables)

    async def event(self, connection_id: str, event_id: str) -> OperationView:
        """The event the bot posted about this channel, as the hub says it is now."""
        found = await self._call("events", self.client.events(event_id))
        for event in found:
            if event.ev_id == event_id:
                return operation_view(event)
        raise ft.NotFound(f"The hub {self.name} knows no event {event_id}.", operation="events")

    async def jobs(self, connection_id: str) -> list[JobView]:
        """The channel's capture and integrate jobs now (what a sync started)."""
        name = remote_id(connection_id)
        found = await self._call("jobs", self.client.jobs(name, fetch_latency=False))
        return [
            JobView(j.name, j.state, failing=j.failing, suspended=j.suspended)
            for j in channel_jobs(name, found)
        ]

    async def run_setup_tests(self, connection_id: str) -> Connection:
        channel, jobs = await self._channel(connection_id)
        for loc in channel.locations:
            await self._call("loc_test", self.client.test_location(loc, channel.name))
        return self._row(channel, jobs)

    def _unavailable(self, what: str, where: str = "the channel's tables") -> NotForHubs:
        return NotForHubs(
            f"{what} is not available for HVR channels: change {where} in the hub's UI.",
            operation=what,
        )

    async def set_schedule(
        self,
        connection_id: str,
        *,
        schedule_type: str | None = None,
        sync_frequency: int | None = None,
        daily_sync_time: str | None = None,
    ) -> Connection:
        # An HVR channel's capture and integrate jobs run continuously: there is no sync schedule to set.
        raise self._unavailable("A sync schedule", "the jobs' scheduling")

    async def connect_card(
        self, connection_id: str, *, redirect_uri: str, hide_setup_guide: bool = False
    ) -> ConnectCard:
        raise self._unavailable("Reconnecting", "the location's credentials")

    async def get_schemas(self, connection_id: str) -> SchemaSettings:
        raise self._unavailable("Schema settings")

    async def set_table_enabled(
        self, connection_id: str, schema: str, table: str, enabled: bool
    ) -> SchemaSettings:
        raise self._unavailable("Enabling tables")

    async def reload_schemas(self, connection_id: str) -> SchemaSettings:
        raise self._unavailable("Reloading schemas")

    async def get_columns(self, connection_id: str, schema: str, table: str) -> TableColumns:
        raise self._unavailable("Column settings")

    async def set_column(
        self,
        connection_id: str,
        schema: str,
        table: str,
        column: str,
        *,
        enabled: bool,
        hashed: bool | None = None,
    ) -> SchemaSettings:
        raise self._unavailable("Column settings")
