"""Changes to connectors: sync, pause, resume, setup tests, re-syncs, table and column switches, schema
reload.

Each returns an `ActionResult` a view can render as it is, including Fivetran's refusal in plain words.
After any change the connection is fetched again and folded into the snapshot, so the next view is true.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from bot.fivetran.errors import (
    BadRequest,
    Conflict,
    FivetranError,
    Forbidden,
    NotFound,
    RateLimited,
    StatusError,
    Timeout,
    TransportError,
    Unauthorized,
)
from bot.fivetran.models import ConnectCard, Connection, SchemaSettings, SetupTest, TableColumns
from bot.services.pipelines.operations import hub_operations
from bot.services.pipelines.schedule import SchedulePatch
from bot.services.pipelines.snapshot import LiveSnapshots
from bot.services.pipelines.source import PipelineSource
from bot.source_errors import Unsupported

log = logging.getLogger(__name__)

T = TypeVar("T")

# A column change by its action name: the past tense a result says, and whether it hashes (None: leaves
# hashing as it is).
COLUMN_CHANGES: dict[str, tuple[str, bool | None]] = {
    "enable_column": ("Enabled", None),
    "disable_column": ("Disabled", None),
    "hash_column": ("Hashing", True),
    "unhash_column": ("Stopped hashing", False),
}


def failed_tests(tests: list[SetupTest]) -> list[SetupTest]:
    return [t for t in tests if t.status in ("FAILED", "JOB_FAILED")]


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    action: str
    connection_id: str
    summary: str  # one line a person reads first
    detail: str = ""  # the source's own words, when it said something
    said_by: str = "Fivetran"  # who said `detail`: "Fivetran", "HVR hub east"
    code: str = ""  # Fivetran's error code, for the audit log
    connection: Connection | None = None
    connect_card: ConnectCard | None = None
    setup_tests: list[SetupTest] = field(default_factory=list)
    schemas: SchemaSettings | None = None
    event_id: str = ""  # an HVR hub's refresh or compare: the event it posted, to follow


def _mid(speaker: str) -> str:
    """The speaker inside a sentence: "Fivetran", "the HVR hub east"."""
    return "t" + speaker[1:] if speaker.startswith("The ") else speaker


def explain(error: FivetranError, action: str, connection_id: str = "") -> str:
    """The source's refusal, said the way a colleague would, naming whoever refused (Fivetran or a hub)."""
    who, fivetran = error.speaker, error.is_fivetran
    thing = "connector" if fivetran else "channel"
    if isinstance(error, Unsupported):
        return error.message
    if action in COLUMN_CHANGES:
        if isinstance(error, NotFound):
            return "Fivetran knows no such column (names are case-sensitive): `/hvr columns` lists them."
        if isinstance(error, BadRequest | Conflict):
            return "Fivetran refused to change this column; its reason is in brackets."
    if isinstance(error, Conflict):
        if action in ("resync", "resync_tables"):
            return "A sync is running, so a re-sync can't start now. It can start once the sync ends."
        return f"{who} refused because of what the {thing} is doing right now."
    if isinstance(error, RateLimited):
        wait = f" Try again in {max(1, math.ceil(error.retry_after / 60))} min." if error.retry_after else ""
        if fivetran:
            return f"The account has used its Fivetran API budget for now.{wait}"
        return f"{who} is turning the bot's requests away for now.{wait}"
    if isinstance(error, NotFound):
        return f"{who} no longer knows this {thing} (deleted or moved?). `/hvr list` shows what exists."
    if isinstance(error, Unauthorized):
        return f"{who} did not accept the bot's {error.credential}. An admin should check it with `hvr-bot check`."
    if isinstance(error, Forbidden):
        if fivetran:
            return "The bot's Fivetran API key is not allowed to do this. Ask a Fivetran admin for the permission."
        return f"The bot's {error.credential} is not allowed to do this on {_mid(who)}. Ask the hub's admin for the permission."
    if isinstance(error, BadRequest):
        return f"{who} did not accept the request."
    if isinstance(error, TransportError):
        if error.may_have_acted and action not in ("read",):
            # The request was sent: saying nothing happened could make someone start it twice.
            show = f"/hvr show {connection_id}" if connection_id else "/hvr show"
            return f"{who} did not answer in time. The request was sent, so it may still happen: check with `{show}` before trying again."
        if isinstance(error, Timeout):
            return f"{who} did not answer in time. Nothing was changed; try again in a minute."
        return f"{who} could not be reached. Nothing was changed; try again in a minute."
    if isinstance(error, StatusError) and error.status_code >= 500:
        return (
            f"{who} had an internal problem. It may or may not have acted: check `/hvr show` before retrying."
        )
    return f"{who} answered with something unexpected."


def count_tables(n: int) -> str:
    return f"{n} table{'s' if n != 1 else ''}"


class ConnectorActions:
    # Each change returns `_run`'s coroutine instead of awaiting it: the same result, one frame less on
    # every path from a button to Fivetran (tests/e2e/test_frames.py counts them).

    def __init__(self, client: PipelineSource, cache: LiveSnapshots) -> None:
        self._client = client
        self._cache = cache

    async def _run(
        self,
        action: str,
        connection_id: str,
        call: Callable[[], Awaitable[T]],
        done: Callable[[T], ActionResult],
        *,
        refresh: bool = True,
    ) -> ActionResult:
        try:
            value = await call()
        except FivetranError as error:
            code = error.code if isinstance(error, StatusError) else type(error).__name__
            log.info("%s refused %s on %s: %s", error.speaker, action, connection_id, error)
            return ActionResult(
                ok=False,
                action=action,
                connection_id=connection_id,
                summary=explain(error, action, connection_id),
                detail=error.message,
                said_by=error.speaker.removeprefix("The "),
                code=code,
            )
        result = done(value)
        if result.connection is None and refresh:
            refreshed = await self.refresh(connection_id)
            if refreshed is not None:
                result = replace(result, connection=refreshed)
        return result

    async def refresh(self, connection_id: str) -> Connection | None:
        """Fetch one connection and fold it into the snapshot; None when Fivetran can't be asked."""
        try:
            connection = await self._client.get_connection(connection_id)
        except FivetranError:
            log.warning("could not refresh %s after a change", connection_id, exc_info=True)
            self._cache.invalidate()
            return None
        self._cache.update(connection)
        return connection

    def sync(
        self, connection_id: str, *, force: bool = False, refresh: bool = True
    ) -> Coroutine[Any, Any, ActionResult]:
        """`refresh=False` skips fetching the connection afterwards: a bulk run of 500 syncs needs 500
        requests, not 1,000, and invalidates the snapshot once at the end instead."""
        what = "Force sync" if force else "Sync"
        return self._run(
            "force_sync" if force else "sync",
            connection_id,
            lambda: self._client.sync(connection_id, force=force),
            lambda message: ActionResult(True, "sync", connection_id, f"{what} started.", detail=message),
            refresh=refresh,
        )

    def invalidate(self) -> None:
        self._cache.invalidate()

    def pause(self, connection_id: str) -> Coroutine[Any, Any, ActionResult]:
        return self._run(
            "pause",
            connection_id,
            lambda: self._client.pause(connection_id),
            lambda c: self._changed("pause", c, "Paused: no syncs will run until it is resumed."),
        )

    def resume(self, connection_id: str) -> Coroutine[Any, Any, ActionResult]:
        return self._run(
            "resume",
            connection_id,
            lambda: self._client.resume(connection_id),
            lambda c: self._changed("resume", c, "Resumed: syncs run on schedule again."),
        )

    def set_schedule(self, connection_id: str, patch: SchedulePatch) -> Coroutine[Any, Any, ActionResult]:
        summary = f"Schedule set: {patch.said}." + (f" {patch.note}" if patch.note else "")
        return self._run(
            "schedule",
            connection_id,
            lambda: self._client.set_schedule(
                connection_id,
                schedule_type=patch.schedule_type,
                sync_frequency=patch.sync_frequency,
                daily_sync_time=patch.daily_sync_time,
            ),
            lambda c: self._changed("schedule", c, summary),
        )

    def connect_card(self, connection_id: str, redirect_uri: str) -> Coroutine[Any, Any, ActionResult]:
        return self._run(
            "reconnect",
            connection_id,
            lambda: self._client.connect_card(connection_id, redirect_uri=redirect_uri),
            lambda card: ActionResult(
                True, "reconnect", connection_id, "Connect Card created.", connect_card=card
            ),
            refresh=False,
        )

    def run_setup_tests(self, connection_id: str) -> Coroutine[Any, Any, ActionResult]:
        def done(connection: Connection) -> ActionResult:
            tests = connection.setup_tests or []
            failed = failed_tests(tests)
            warned = [t for t in tests if t.status == "WARNING"]
            if failed:
                summary = f"{len(failed)} of {len(tests)} setup tests failed."
            elif warned:
                summary = f"Setup tests passed with {len(warned)} warning{'s' if len(warned) > 1 else ''}."
            else:
                summary = f"All {len(tests)} setup tests passed." if tests else "No setup tests ran."
            self._cache.update(connection)
            return ActionResult(
                not failed, "test", connection.id, summary, connection=connection, setup_tests=tests
            )

        return self._run("test", connection_id, lambda: self._client.run_setup_tests(connection_id), done)

    def compare(self, connection_id: str, tables: list[str]) -> Coroutine[Any, Any, ActionResult]:
        """HVR only: post a compare of the channel's tables (all when none are named)."""
        what = count_tables(len(tables)) if tables else "all tables"
        return self._run(
            "compare",
            connection_id,
            lambda: hub_operations(self._client).compare(connection_id, tables or None),
            lambda ev_id: ActionResult(
                True, "compare", connection_id, f"Compare of {what} started.", event_id=ev_id
            ),
            refresh=False,
        )

    def resync(
        self, connection_id: str, scope: dict[str, list[str]] | None = None, *, posts_event: bool = False
    ) -> Coroutine[Any, Any, ActionResult]:
        """`posts_event`: the pipeline is an HVR channel, whose answer is the id of the refresh event."""
        if scope:
            count = sum(len(t) for t in scope.values())
            summary = f"Re-sync of {count_tables(count)} started."
        else:
            summary = "Historical re-sync of all data started."
        return self._run(
            "resync",
            connection_id,
            lambda: self._client.resync(connection_id, scope),
            lambda message: ActionResult(
                True,
                "resync",
                connection_id,
                summary,
                detail=message,
                event_id=message if posts_event else "",
            ),
        )

    def resync_tables(
        self, connection_id: str, tables: dict[str, list[str]], *, posts_event: bool = False
    ) -> Coroutine[Any, Any, ActionResult]:
        count = sum(len(t) for t in tables.values())
        return self._run(
            "resync_tables",
            connection_id,
            lambda: self._client.resync_tables(connection_id, tables),
            lambda message: ActionResult(
                True,
                "resync_tables",
                connection_id,
                f"Re-sync of {count_tables(count)} started.",
                detail=message,
                event_id=message if posts_event else "",
            ),
        )

    def set_table_enabled(
        self, connection_id: str, schema: str, table: str, enabled: bool
    ) -> Coroutine[Any, Any, ActionResult]:
        verb = "Enabled" if enabled else "Disabled"
        return self._run(
            "enable_table" if enabled else "disable_table",
            connection_id,
            lambda: self._client.set_table_enabled(connection_id, schema, table, enabled),
            lambda settings: ActionResult(
                True, "table", connection_id, f"{verb} {schema}.{table}.", schemas=settings
            ),
        )

    def reload_schemas(self, connection_id: str) -> Coroutine[Any, Any, ActionResult]:
        return self._run(
            "reload_schemas",
            connection_id,
            lambda: self._client.reload_schemas(connection_id),
            lambda settings: ActionResult(
                True,
                "reload_schemas",
                connection_id,
                "Schema config reloaded from the source.",
                schemas=settings,
            ),
        )

    async def get_schemas(self, connection_id: str) -> SchemaSettings:
        return await self._client.get_schemas(connection_id)

    async def get_columns(self, connection_id: str, schema: str, table: str) -> TableColumns:
        return await self._client.get_columns(connection_id, schema, table)

    def set_column(
        self, action: str, connection_id: str, schema: str, table: str, column: str
    ) -> Coroutine[Any, Any, ActionResult]:
        """One of COLUMN_CHANGES on one column."""
        done, hashed = COLUMN_CHANGES[action]
        name = f"{schema}.{table}.{column}"

        async def call() -> SchemaSettings:
            if hashed is None:
                enabled = action == "enable_column"
            else:
                # Fivetran wants `enabled` with every change: the column's own, read now, so that hashing
                # never switches back on a column someone switched off since the list was shown.
                found = (await self._client.get_columns(connection_id, schema, table)).columns.get(column)
                if found is None:
                    raise NotFound(f"No column {column!r} in {schema}.{table}", operation="get_columns")
                enabled = found.enabled
            return await self._client.set_column(
                connection_id, schema, table, column, enabled=enabled, hashed=hashed
            )

        summary = f"{done} `{name}`."
        if hashed:
            summary = f"{done} `{name}`: its values arrive hashed from the next sync."
        return self._run(
            action,
            connection_id,
            call,
            lambda settings: ActionResult(True, action, connection_id, summary, schemas=settings),
        )

    def _changed(self, action: str, connection: Connection, summary: str) -> ActionResult:
        self._cache.update(connection)
        return ActionResult(True, action, connection.id, summary, connection=connection)
