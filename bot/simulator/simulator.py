"""The simulated Fivetran account and everything a request can do to it.

The HTTP layer (`app.py`) parses and renders; this class holds the state and the rules. Every rule
that Fivetran documents is followed; where the docs are silent the choice is written down here:

- `POST /sync` on a paused connection is accepted and the sync runs (the API does not document a
  refusal); afterwards `sync_state` is `paused` again.
- `POST /sync` while a sync is `rescheduled` is accepted and changes nothing: the run resumes at
  `rescheduled_for`, as the source quota dictates. A non-forced sync while syncing changes nothing.
- A forced sync cancels the running one without a `sync_end` for it, and starts a new run.
- A full historical re-sync while paused waits for the resume; re-syncs while a run is active answer 409.
- Connections sync only when triggered: the `sync_frequency` schedule is shown, not simulated.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from random import Random
from typing import Any

import httpx

import bot.simulator.render as render
import bot.simulator.state as state
from bot.simulator.account import generate_account
from bot.simulator.clock import Clock, ManualClock
from bot.simulator.errors import ApiError, invalid, not_found
from bot.simulator.faults import Faults
from bot.simulator.model import OUTCOMES, Connection, Group, Outcome, ScriptedOutcome, Webhook
from bot.simulator.schemas import build_schema_config, supports_table_resync
from bot.simulator.webhooks import WebhookHub

SYNC_FREQUENCIES = frozenset({1, 5, 15, 30, 60, 120, 180, 360, 480, 720, 1440})
_DAILY_TIME = re.compile(r"^(?:[01]\d|2[0-3]):00$")
_PERSISTENT_FIELDS = frozenset(
    {"paused", "sync_frequency", "schedule_type", "daily_sync_time", "is_historical_sync", "pause_after_trial",
     "data_delay_sensitivity", "data_delay_threshold", "schema_status", "config", "auth"}
)  # fmt: skip


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
        self.faults = Faults(
            seed=seed, latency_ms=latency_ms, error_rate=error_rate, hourly_budget=hourly_budget
        )
        self.webhooks = WebhookHub(self.clock, webhook_client)
        self.request_count = 0
        self.requests_by_operation: Counter[str] = Counter()
        # only connections with a run in progress can change by themselves; ticking skips the rest
        self._active: set[str] = {c.id for c in self.connections.values() if c.run is not None}
        self._event_rng = Random(f"{seed}:events")

    # -- time ---------------------------------------------------------------------------------------
    def tick(self) -> datetime:
        """Bring every running sync up to the clock's now; returns that now."""
        now = self.clock.now()
        for cid in list(self._active):
            conn = self.connections[cid]
            state.advance(conn, now, self._emit)
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
        for flag in ("paused", "is_historical_sync"):
            if flag in body and not isinstance(body[flag], bool):
                raise invalid(f"{flag} must be a boolean")
        edited = False
        for key in ("sync_frequency", "schedule_type", "daily_sync_time"):
            if key in body and getattr(conn, key) != body[key]:
                setattr(conn, key, body[key])
                edited = True
        if edited:
            self._emit("edit_connector", conn, self.clock.now(), None, {})
        if "paused" in body and body["paused"] != conn.paused:
            self._set_paused(conn, body["paused"])
        if body.get("is_historical_sync") is True:
            # the documented alternative to POST /resync: cancel what runs, restart as historical
            self._start(conn, historical=True)
        return conn

    def _set_paused(self, conn: Connection, paused: bool) -> None:
        conn.paused = paused
        self._emit("pause_connector" if paused else "resume_connector", conn, self.clock.now(), None, {})
        if not paused and conn.pending_historical and conn.run is None:
            conn.pending_historical = False
            self._start(conn, historical=True)

    def sync(self, connection_id: str, *, force: bool) -> None:
        conn = self.connection(connection_id)
        run = conn.run
        if run is not None and (run.phase == "rescheduled" or not force):
            return
        self._start(conn)

    def resync(self, connection_id: str, scope: object) -> None:
        conn = self.connection(connection_id)
        if scope is not None:
            self._check_scope(conn, scope, "scope")
            if not supports_table_resync(conn):
                raise invalid(f"Connection type '{conn.service}' does not support table-level re-sync")
        self._refuse_if_running(conn)
        if scope is None and conn.paused:
            conn.pending_historical = True
            return
        self._start(conn, historical=scope is None)

    def resync_tables(self, connection_id: str, tables: object) -> None:
        conn = self.connection(connection_id)
        self._check_scope(conn, tables, "request body")
        self._refuse_if_running(conn)
        self._start(conn)

    def _refuse_if_running(self, conn: Connection) -> None:
        if conn.run is not None:
            raise ApiError(
                409, "Conflict", f"Connection '{conn.id}' is syncing; re-sync it once the sync ends"
            )

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
        if schema not in config["schemas"]:
            raise ApiError(404, "NotFound_Schema", f"Schema '{schema}' doesn't exist")
        tables = config["schemas"][schema]["tables"]
        if table not in tables:
            raise ApiError(404, "NotFound_Table", f"Table '{schema}.{table}' doesn't exist")
        if not isinstance(body.get("enabled"), bool):
            raise invalid("Field 'enabled' is required and must be a boolean")
        settings = tables[table]["enabled_patch_settings"]
        if not settings["allowed"]:
            reason = settings.get("reason_code", "OTHER")
            raise invalid(f"Table '{schema}.{table}' cannot be enabled or disabled ({reason})")
        tables[table]["enabled"] = body["enabled"]
        if body.get("sync_mode") in ("SOFT_DELETE", "HISTORY", "LIVE"):
            tables[table]["sync_mode"] = body["sync_mode"]
        return config

    # -- webhooks -------------------------------------------------------------------------------------
    def create_webhook(self, body: dict[str, Any]) -> Webhook:
        url, events = body.get("url"), body.get("events")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise invalid("Field 'url' is required and must be an http(s) URL")
        if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
            raise invalid("Field 'events' is required and must be a non-empty list of event names")
        secret = body.get("secret")
        hook = Webhook(
            id=self.account.ids.new(),
            type="account",
            url=url,
            events=list(events),
            active=bool(body.get("active", True)),
            secret=secret if isinstance(secret, str) and secret else None,
            created_at=self.clock.now(),
            created_by=self.account.user_id,
        )
        self.webhooks.webhooks[hook.id] = hook
        return hook

    def webhook(self, webhook_id: str) -> Webhook:
        try:
            return self.webhooks.webhooks[webhook_id]
        except KeyError:
            raise not_found("Webhook", webhook_id) from None

    def update_webhook(self, webhook_id: str, body: dict[str, Any]) -> Webhook:
        hook = self.webhook(webhook_id)
        url, events, secret = body.get("url", hook.url), body.get("events", hook.events), body.get("secret")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise invalid("Field 'url' must be an http(s) URL")
        if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
            raise invalid("Field 'events' must be a non-empty list of event names")
        hook.url, hook.events = url, list(events)
        if "active" in body:
            hook.active = bool(body["active"])
        if isinstance(secret, str) and secret:
            hook.secret = secret
        return hook

    def delete_webhook(self, webhook_id: str) -> None:
        self.webhook(webhook_id)
        del self.webhooks.webhooks[webhook_id]

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
