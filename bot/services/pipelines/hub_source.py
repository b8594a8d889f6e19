"""One HVR 6 hub as a source of pipelines (DESIGN section 8): its channels are the pipelines.

What maps to what: pause = one `jobs_suspend` of exactly the channel's capture and integrate jobs; resume =
`jobs_unsuspend` then `jobs_start`; sync = `jobs_start` with `trigger_failed`; historical re-sync = refresh
of every table, per-table re-sync = refresh of the named tables; setup test = each location's test. The
hub's errors are the same tree as Fivetran's (`bot.source_errors`), restamped to speak as this hub, so
`Sources` and the views treat a hub that cannot be reached like an account that cannot (said once, its
channels unknown) and tell people what the hub, not Fivetran, said.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from typing import TypeVar

from bot.fivetran.models import ConnectCard, Connection, Group, SchemaSettings, SetupTest, TableColumns
from bot.hvr import errors as hv
from bot.hvr.client import EventKind, HvrClient
from bot.hvr.models import Channel, ChannelTable, Event, Job, last_error_line
from bot.keys import qualify, remote_id
from bot.services.pipelines.hub_health import as_connection, channel_jobs
from bot.services.pipelines.hub_views import (
    EVENTS_SHOWN,
    ChannelView,
    JobError,
    first_failing,
    job_views,
    location_views,
)
from bot.services.pipelines.operations import EventState, JobView, OperationView, TableOutcome
from bot.source_errors import BadRequest, NotFound, SourceError, Unsupported

T = TypeVar("T")


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


class NotForHubs(Unsupported):
    """An operation HVR channels do not have (schema and column settings): refused in words."""


class HubSource:
    def __init__(self, name: str, client: HvrClient) -> None:
        self.name = name
        self.client = client
        self.speaker = f"{hv.HUB_SPEAKER} {name}"

    @property
    def hub_name(self) -> str:
        """The hub's name on its server (`Sources.hubs`)."""
        return self.client.hub

    async def _call(self, operation: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except SourceError as error:
            # the same error tree as Fivetran's; only the words change, to name this hub
            raise error.speak_as(self.name, self.speaker, hv.HUB_CREDENTIAL) from None

    async def _definition(self) -> tuple[list[Channel], list[Job]]:
        # the two pages a list needs, asked at once: the answer waits for the slower, not for both
        return await asyncio.gather(
            self._call("channels", self.client.channels()), self._call("jobs", self.client.jobs())
        )

    async def _channel(self, key: str) -> tuple[Channel, list[Job]]:
        """One channel's definition and its own jobs: two requests, however many channels the hub has."""
        name = remote_id(key)
        channel = await self._call("channel", self.client.channel(name))
        jobs = await self._call("jobs", self.client.jobs(name))
        return channel, jobs

    def _row(self, channel: Channel, jobs: Sequence[Job]) -> Connection:
        return as_connection(self.name, self.client.hub, channel, jobs)

    async def list_groups(self) -> list[Group]:
        # the hub is the one group of its channels, so `place/name` reads `east:hvrhub/orders`
        return [Group(id=qualify(self.name, self.client.hub), name=self.client.hub)]

    async def list_connections(self) -> list[Connection]:
        channels, jobs = await self._definition()
        # each channel's health reads only its own jobs: grouped once, not searched once per channel
        by_channel: dict[str, list[Job]] = {}
        for job in jobs:
            by_channel.setdefault(job.channel, []).append(job)
        return [self._row(c, by_channel.get(c.name, [])) for c in channels]

    async def get_connection(self, connection_id: str) -> Connection:
        return self._row(*await self._channel(connection_id))

    # --- what `show`, `tables` and the watcher read beyond the row (bot/services/pipelines/hub_views.py)

    async def _log_error(self, job: str) -> str | None:
        return last_error_line(await self._call("job_log", self.client.job_log(job)))

    async def channel_view(self, key: str) -> ChannelView:
        """The channel, its locations, jobs (a failing one's last error from its log) and recent events."""
        channel, jobs = await self._channel(key)
        locations = await self._call("locs", self.client.locations())
        events = await self._call(
            "events",
            self.client.events(channel=channel.name, fetch_results=False, max_events=EVENTS_SHOWN),
        )
        failing = [j.name for j in jobs if j.channel == channel.name and j.failing]
        errors = {job: await self._log_error(job) for job in failing}
        return ChannelView(
            self.name,
            self.client.hub,
            self._row(channel, jobs),
            channel,
            location_views(channel, locations),
            job_views(channel.name, jobs, errors),
            tuple(events[:EVENTS_SHOWN]),
        )

    async def channel_tables(self, key: str) -> list[ChannelTable]:
        channel = await self._call("channel", self.client.channel(remote_id(key)))
        return channel.tables

    async def last_error(self, key: str) -> JobError | None:
        """The channel's failing job and its last error: one jobs read, one log read."""
        jobs = await self._call("jobs", self.client.jobs(remote_id(key), fetch_latency=False))
        job = first_failing(remote_id(key), jobs)
        return None if job is None else JobError(job.name, await self._log_error(job.name))

    def _job_names(self, channel: Channel, jobs: Sequence[Job], operation: str) -> list[str]:
        names = [j.name for j in channel_jobs(channel.name, jobs)]
        if not names:
            # an empty `jobs` list would be a request about no job at all: said, never sent
            raise Unsupported(
                f"The channel {channel.name} is not activated: it has no capture or integrate jobs yet.",
                operation=operation,
                speaker=self.speaker,
                credential=hv.HUB_CREDENTIAL,
            )
        return names

    async def pause(self, connection_id: str) -> Connection:
        channel, jobs = await self._channel(connection_id)
        await self._call(
            "jobs_suspend", self.client.suspend_jobs(self._job_names(channel, jobs, "jobs_suspend"))
        )
        return await self.get_connection(connection_id)

    async def resume(self, connection_id: str) -> Connection:
        channel, jobs = await self._channel(connection_id)
        names = self._job_names(channel, jobs, "jobs_unsuspend")
        await self._call("jobs_unsuspend", self.client.unsuspend_jobs(names))
        await self._call("jobs_start", self.client.start_jobs(names, trigger_failed=False))
        return await self.get_connection(connection_id)

    async def sync(self, connection_id: str, *, force: bool = False) -> str:
        channel, jobs = await self._channel(connection_id)
        names = self._job_names(channel, jobs, "jobs_start")
        await self._call("jobs_start", self.client.start_jobs(names, trigger_failed=True))
        # the detail the audit keeps beside "Sync started.": which jobs the hub was asked to start
        return f"the hub started {', '.join(names)}, retrying failed ones"

    async def _event(self, kind: EventKind, key: str, tables: Sequence[str] | None) -> str:
        channel, _ = await self._channel(key)
        if not channel.source_locs or not channel.target_locs:
            raise Unsupported(
                f"The channel {channel.name} has no source or no target location, so it cannot be {'refreshed' if kind == 'refresh' else 'compared'}.",
                operation=kind,
                speaker=self.speaker,
                credential=hv.HUB_CREDENTIAL,
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

    async def run_setup_tests(self, connection_id: str) -> Connection:
        """Each of the channel's locations tested, one setup test each: a location the hub cannot reach is
        a failed test with the hub's words, not a failed command, so the others are still tested."""
        channel, jobs = await self._channel(connection_id)
        tests = [await self._test_location(loc, channel.name) for loc in channel.locations]
        return self._row(channel, jobs).model_copy(update={"setup_tests": tests})

    async def _test_location(self, loc: str, channel: str) -> SetupTest:
        title = f"Connection to location {loc}"
        try:
            await self._call("loc_test", self.client.test_location(loc, channel))
        except BadRequest as refused:  # the hub's own answer that it cannot connect
            said = f"{refused.code}: {refused.message}" if refused.code else refused.message
            return SetupTest.model_validate({"title": title, "status": "FAILED", "message": said})
        return SetupTest(title=title, status="PASSED", message="Connected")

    async def event(self, connection_id: str, event_id: str) -> OperationView:
        """The event the bot posted about this channel, as the hub says it is now."""
        found = await self._call("events", self.client.events(event_id))
        for event in found:
            if event.ev_id == event_id:
                return operation_view(event)
        raise NotFound(
            f"The hub {self.name} knows no event {event_id}.",
            operation="events",
            speaker=self.speaker,
            credential=hv.HUB_CREDENTIAL,
        )

    async def jobs(self, connection_id: str) -> list[JobView]:
        """The channel's capture and integrate jobs now (what a sync started)."""
        name = remote_id(connection_id)
        found = await self._call("jobs", self.client.jobs(name, fetch_latency=False))
        return [
            JobView(j.name, j.state, failing=j.failing, suspended=j.suspended)
            for j in channel_jobs(name, found)
        ]

    def _unavailable(
        self, what: str, where: str = "the channel's tables", connection_id: str = ""
    ) -> NotForHubs:
        # a read the hub has no answer to points at the read that has one: the channel's tables
        tables = f" `/hvr tables {connection_id}` lists them;" if connection_id else ""
        return NotForHubs(
            f"{what} is not available for HVR channels:{tables} change {where} in the hub's UI.",
            operation=what,
            speaker=self.speaker,
            credential=hv.HUB_CREDENTIAL,
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
        raise self._unavailable("Reading schema settings", connection_id=connection_id)

    async def set_table_enabled(
        self, connection_id: str, schema: str, table: str, enabled: bool
    ) -> SchemaSettings:
        raise self._unavailable("Enabling tables")

    async def reload_schemas(self, connection_id: str) -> SchemaSettings:
        raise self._unavailable("Reloading schemas")

    async def get_columns(self, connection_id: str, schema: str, table: str) -> TableColumns:
        raise self._unavailable("Reading column settings", connection_id=connection_id)

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
        raise self._unavailable("Changing column settings")
