"""The simulated Fivetran account and everything a request can do to it.

The HTTP layer (`app.py`, `handlers.py`) parses and renders; this class holds the state and the rules.
Every rule that Fivetran documents is followed (`../shared/DESIGN.md` §10); where the docs are silent the
choice is written down here:

- A paused connection does not sync. `POST /sync` (or `/force`) on it answers 200 and nothing runs, and
  nothing is remembered for the resume: the API documents no refusal, and clients that care (dagster)
  check `paused` before they ask.
- `POST /sync` without `force` while a sync runs changes nothing; with `force` it cancels the running sync
  (no `sync_end` for it) and starts a new run.
- A `rescheduled` sync (the source's quota ran out) waits for `rescheduled_for`. On an auto-schedule
  connection it then resumes by itself, and `POST /sync` meanwhile changes nothing. On a manual-schedule
  connection nothing resumes it but `POST /sync`: sent before `rescheduled_for` it resumes the sync at that
  time, sent after it resumes at once; until then `sync_state` stays `rescheduled`.
- Otherwise connections sync only when triggered: the `sync_frequency` schedule is shown, not simulated,
  so a manual connection and an auto one differ only in the rescheduled case.
- A re-sync (`POST /resync`, with or without `scope`, or `POST /schemas/tables/resync`) while a sync runs
  waits for that sync to end and then runs (200). Fivetran "tries to complete" the running sync; the
  simulator knows how its runs end, so it answers 409 when the running sync cannot complete: it is
  `rescheduled`, or it will fail or be rescheduled. A re-sync asked for while paused runs at the resume.
  Two re-syncs waiting together make one (a full one if either was full).
- `PATCH {"is_historical_sync": true}` restarts what runs as a historical sync; while paused it waits for
  the resume like a re-sync.
- A schema reload takes `reload_s` simulated seconds (or what `script_schema_reload` says); the answer
  comes when the simulator's clock gets there.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from random import Random
from typing import Any

import httpx

import bot.simulator.render as render
import bot.simulator.state as state
from bot.simulator.account import generate_account
from bot.simulator.clock import Clock, ManualClock, sleep_until
from bot.simulator.columns import patch_column
from bot.simulator.connect_card import build_connect_card
from bot.simulator.errors import ApiError, invalid, not_found
from bot.simulator.faults import Faults
from bot.simulator.limits import ClassLimit, RateLimits
from bot.simulator.model import (
    OUTCOMES,
    Connection,
    Group,
    Outcome,
    Resync,
    ScriptedOutcome,
    SyncRun,
    Webhook,
)
from bot.simulator.schemas import (
    build_schema_config,
    find_table,
    patch_table,
    source_columns,
    supports_table_resync,
)
from bot.simulator.webhooks import WebhookHub

SYNC_FREQUENCIES = frozenset({1, 5, 15, 30, 60, 120, 180, 360, 480, 720, 1440})
_DAILY_TIME = re.compile(r"^(?:[01]\d|2[0-3]):00$")
_PERSISTENT_FIELDS = frozenset(
    {"paused", "sync_frequency", "schedule_type", "daily_sync_time", "is_historical_sync", "pause_after_trial",
     "data_delay_sensitivity", "data_delay_threshold", "schema_status", "config", "auth"}
)  # fmt: skip
EXCLUDE_MODES = ("PRESERVE", "EXCLUDE")


def _completes(run: SyncRun) -> bool:
    """Whether a running sync can be finished before a re-sync (it syncs and will succeed)."""
    return run.phase == "syncing" and run.outcome == "success"


class Simulator:
    def __init__(
        self,
        *,
        seed: int = 7,
        groups: int = 4,
        connections: int = 60,
        clock: Clock | None = None,
        api_key: str = "demo",
        api_secret: str = "demo",
        latency_ms: float = 0,
        error_rate: float = 0,
        hourly_budget: int = 20_000,
        rate_classes: Mapping[str, ClassLimit] | None = None,
        reload_s: float = 0.0,
        created_code: str = "Created",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        webhook_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.seed = seed
        self.clock: Clock = clock or ManualClock()
        self.api_key = api_key
        self.api_secret = api_secret
        self.sleep = sleep
        self.account = generate_account(
            seed=seed, groups=groups, connections=connections, now=self.clock.now()
        )
        self.groups: dict[str, Group] = self.account.groups
        self.connections: dict[str, Connection] = self.account.connections
        self.faults = Faults(seed=seed, latency_ms=latency_ms, error_rate=error_rate)
        self.limits = RateLimits(hourly_budget=hourly_budget, classes=rate_classes)
        self.reload_s = reload_s
        # the `code` of a create endpoint's success envelope; live Fivetran says "Created"
        self.created_code = created_code
        self.webhooks = WebhookHub(self.clock, webhook_client)
        self.request_count = 0
        self.requests_by_operation: Counter[str] = Counter()
        # requests that came by a legacy /v1/connectors... path, by that path's template
        self.legacy_aliases: Counter[str] = Counter()
        # only connections with a run in progress can change by themselves; ticking skips the rest
        self._active: set[str] = {c.id for c in self.connections.values() if c.run is not None}
        self._event_rng = Random(f"{seed}:events")

    # -- time ---------------------------------------------------------------------------------------
    def tick(self) -> datetime:
        """Bring every running sync up to the clock's now; returns that now."""
        now = self.clock.now()
        for cid in list(self._active):
            conn = self.connections[cid]
            state.advance(conn, now, self._emit, self.seed)
            if conn.run is None:
                self._active.discard(cid)
        return now

    def _start(self, conn: Connection, *, historical: bool = False) -> None:
        state.start_run(conn, self.clock.now(), self.seed, self._emit, historical=historical)
        self._active.add(conn.id)

    def _emit(
        self, event: str, conn: Connection, at: datetime, sync_id: str | None, data: dict[str, Any]
    ) -> None:
        payload = {
            "event": event,
            "created": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
            "connector_type": conn.service,
            "connector_id": conn.id,
            "connector_name": conn.schema,
            # events outside a sync still carry an id, so receivers can deduplicate on sync_id + event
            "sync_id": sync_id or str(uuid.UUID(int=self._event_rng.getrandbits(128), version=4)),
            "destination_group_id": conn.group_id,
            "data": data,
        }
        self.webhooks.emit(event, payload, conn.group_id)

    async def deliver_due_webhooks(self) -> int:
        self.tick()
        return await self.webhooks.deliver_due()

    async def aclose(self) -> None:
        await self.webhooks.aclose()

    # -- lookups ------------------------------------------------------------------------------------
    @property
    def legacy_alias_requests(self) -> int:
        return sum(self.legacy_aliases.values())

    def connection(self, connection_id: str) -> Connection:
        try:
            return self.connections[connection_id]
        except KeyError:
            raise not_found("Connection", connection_id) from None

    def group(self, group_id: str) -> Group:
        try:
            return self.groups[group_id]
        except KeyError:
            raise not_found("Group", group_id) from None

    def destination(self, destination_id: str) -> Group:
        # a group and its destination share one id
        try:
            return self.groups[destination_id]
        except KeyError:
            raise not_found("Destination", destination_id) from None

    def list_connections(self, group_id: str | None = None, schema: str | None = None) -> list[Connection]:
        if group_id is not None:
            self.group(group_id)
        return [
            c
            for c in self.connections.values()
            if (group_id is None or c.group_id == group_id) and (schema is None or c.schema == schema)
        ]

    # -- connection operations ----------------------------------------------------------------------
    def update_connection(self, connection_id: str, body: dict[str, Any]) -> Connection:
        conn = self.connection(connection_id)
        if not _PERSISTENT_FIELDS & body.keys():
            raise invalid("At least one of the connection's persistent fields must be specified")
        if "sync_frequency" in body:
            freq = body["sync_frequency"]
            if not isinstance(freq, int) or isinstance(freq, bool) or freq not in SYNC_FREQUENCIES:
                raise invalid(f"Invalid sync_frequency {freq!r}: expected one of {sorted(SYNC_FREQUENCIES)}")
        if "schedule_type" in body and body["schedule_type"] not in ("auto", "manual"):
            raise invalid("schedule_type must be 'auto' or 'manual'")
        daily = body.get("daily_sync_time")
        if daily is not None and (not isinstance(daily, str) or not _DAILY_TIME.match(daily)):
            raise invalid("daily_sync_time must be a whole hour between 00:00 and 23:00")
        frequency = body.get("sync_frequency", conn.sync_frequency)
        if daily is not None and frequency != 1440:
            raise invalid("daily_sync_time can only be set when sync_frequency is 1440")
        for flag in ("paused", "is_historical_sync"):
            if flag in body and not isinstance(body[flag], bool):
                raise invalid(f"{flag} must be a boolean")
        edited = False
        for key in ("sync_frequency", "schedule_type", "daily_sync_time"):
            if key in body and getattr(conn, key) != body[key]:
                setattr(conn, key, body[key])
                edited = True
        if conn.sync_frequency != 1440:
            conn.daily_sync_time = None  # answered only with a daily frequency, as on Fivetran
        if edited:
            self._emit("edit_connector", conn, self.clock.now(), None, {})
            run = conn.run
            if run is not None and run.phase == "rescheduled" and conn.schedule_type == "auto":
                # a sync that waited for POST /sync resumes by itself now, from now at the earliest
                run.phase_ends_at = max(run.phase_ends_at, self.clock.now())
        if "paused" in body and body["paused"] != conn.paused:
            self._set_paused(conn, body["paused"])
        if body.get("is_historical_sync") is True:
            # the documented alternative to POST /resync: cancel what runs, restart as historical
            if conn.paused:
                conn.pending_resync = "full"
            else:
                self._start(conn, historical=True)
        return conn

    def connect_card(self, connection_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return build_connect_card(self.connection(connection_id), body, self.clock.now())

    def _set_paused(self, conn: Connection, paused: bool) -> None:
        conn.paused = paused
        self._emit("pause_connector" if paused else "resume_connector", conn, self.clock.now(), None, {})
        if not paused:
            state.start_pending(conn, self.clock.now(), self.seed, self._emit)
            if conn.run is not None:
                self._active.add(conn.id)

    def sync(self, connection_id: str, *, force: bool) -> None:
        conn = self.connection(connection_id)
        run = conn.run
        if conn.paused:
            return
        if run is not None and run.phase == "rescheduled":
            if state.waits_for_a_trigger(conn):
                run.armed = True
                run.phase_ends_at = max(run.phase_ends_at, self.clock.now())
                state.advance(conn, self.clock.now(), self._emit, self.seed)
            return
        if run is not None and not force:
            return
        self._start(conn)

    def resync(self, connection_id: str, scope: object) -> None:
        conn = self.connection(connection_id)
        if scope is not None:
            self._check_scope(conn, scope, "scope")
            if not supports_table_resync(conn):
                raise invalid(f"Connection type '{conn.service}' does not support table-level re-sync")
        self._resync(conn, "full" if scope is None else "tables")

    def resync_tables(self, connection_id: str, tables: object) -> None:
        conn = self.connection(connection_id)
        self._check_scope(conn, tables, "request body")
        self._resync(conn, "tables")

    def _resync(self, conn: Connection, kind: Resync) -> None:
        run = conn.run
        if run is not None and not _completes(run):
            raise ApiError(409, "Conflict", f"Connection '{conn.id}' is syncing and that sync cannot be "
                                            "completed first; re-sync it once the sync ends")  # fmt: skip
        if run is not None or conn.paused:
            conn.pending_resync = "full" if "full" in (kind, conn.pending_resync) else "tables"
            return
        self._start(conn, historical=kind == "full")

    def _check_scope(self, conn: Connection, scope: object, what: str) -> None:
        if not isinstance(scope, dict) or not scope:
            raise invalid(f"The {what} must map at least one schema to a non-empty list of tables")
        schemas = self.schema_config(conn.id)["schemas"]
        for schema, tables in scope.items():
            if not isinstance(tables, list) or not tables or not all(isinstance(t, str) for t in tables):
                raise invalid(f"Schema '{schema}' must map to a non-empty list of table names")
            if schema not in schemas:
                raise invalid(f"Schema '{schema}' does not exist in connection '{conn.id}'")
            unknown = [t for t in tables if t not in schemas[schema]["tables"]]
            if unknown:
                raise invalid(f"Table '{schema}.{unknown[0]}' does not exist in connection '{conn.id}'")

    def run_setup_tests(self, connection_id: str) -> dict[str, Any]:
        conn = self.connection(connection_id)
        return {**render.connection(conn), "setup_tests": render.setup_tests(conn, self.seed)}

    # -- schema config -------------------------------------------------------------------------------
    def schema_config(self, connection_id: str) -> dict[str, Any]:
        conn = self.connection(connection_id)
        if conn.schema_config is None:
            conn.schema_config = build_schema_config(conn, self.seed)
        return conn.schema_config

    def patch_table(
        self, connection_id: str, schema: str, table: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        config = self.schema_config(connection_id)
        patch_table(config, schema, table, body)
        return config

    def columns(self, connection_id: str, schema: str, table: str) -> dict[str, Any]:
        """Every column of a table, asked of the source: only a connected connection can answer."""
        conn = self.connection(connection_id)
        config = self.schema_config(connection_id)
        found = source_columns(conn, self.seed, config, schema, table)
        if conn.setup_state != "connected":
            raise invalid(f"Connection '{conn.id}' is {conn.setup_state}: its source cannot list columns")
        return {"columns": found}

    def patch_column(
        self, connection_id: str, schema: str, table: str, column: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        conn = self.connection(connection_id)
        config = self.schema_config(connection_id)
        source = source_columns(conn, self.seed, config, schema, table)
        patch_column(source, find_table(config, schema, table)["columns"], column, body, f"{schema}.{table}")
        return config

    async def reload_schemas(self, connection_id: str, exclude_mode: object) -> dict[str, Any]:
        conn = self.connection(connection_id)
        if exclude_mode not in EXCLUDE_MODES:
            raise invalid(f"exclude_mode must be one of {', '.join(EXCLUDE_MODES)}")
        duration = conn.reload_scripted.pop(0) if conn.reload_scripted else self.reload_s
        await sleep_until(self.clock, self.clock.now() + timedelta(seconds=duration), self.sleep)
        return self.schema_config(connection_id)

    # -- webhooks -------------------------------------------------------------------------------------
    def create_webhook(self, body: dict[str, Any]) -> Webhook:
        return self.webhooks.create(body, webhook_id=self.account.ids.new(), created_by=self.account.user_id)

    # -- scripting (tests and /_sim) -----------------------------------------------------------------
    def script_sync_outcome(
        self,
        connection_id: str,
        outcome: Outcome,
        duration_s: float = 60.0,
        *,
        reschedule_s: float = 900.0,
        reason: str | None = None,
    ) -> None:
        """Decide what the next triggered sync of this connection does (queued: call again for more)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        conn = self.connection(connection_id)
        conn.scripted.append(ScriptedOutcome(outcome, duration_s, reschedule_s, reason))

    def script_schema_reload(self, connection_id: str, duration_s: float) -> None:
        """Make the next schema reload of this connection take `duration_s` simulated seconds (queued)."""
        if duration_s < 0:
            raise ValueError("duration_s cannot be negative")
        self.connection(connection_id).reload_scripted.append(duration_s)

    def break_connection(
        self, connection_id: str, message: str = "Reconnect: the credentials were revoked"
    ) -> None:
        conn = self.connection(connection_id)
        conn.setup_state = "broken"
        conn.tasks = [{"code": "reconnect", "message": message, "details": message}]
        self._emit("connection_failure", conn, self.clock.now(), None, {"reason": message})

    def recover_connection(self, connection_id: str) -> None:
        conn = self.connection(connection_id)
        conn.setup_state = "connected"
        conn.tasks = []
        self._emit("connection_successful", conn, self.clock.now(), None, {})
