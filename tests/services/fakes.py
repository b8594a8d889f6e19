"""In-memory doubles for the services: a Fivetran client with scripted answers, Slack group members, grants.

The fake client implements only what the services call. Every call is recorded in `calls`; an error put
in `fail[method]` is raised by the next call of that method (a list raises one per call, in order).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

from bot.fivetran.client import FivetranClient
from bot.fivetran.errors import FivetranError
from bot.fivetran.models import (
    ConnectCard,
    Connection,
    Group,
    SchemaSettings,
    SetupTest,
    TableColumns,
)
from tests.blocks.factory import schema_settings

Scripted = Connection | FivetranError


class FakeFivetran:
    def __init__(
        self,
        connections: Sequence[Connection] = (),
        groups: Sequence[Group] = (),
    ) -> None:
        self.connections: dict[str, Connection] = {c.id: c for c in connections}
        self.groups: list[Group] = list(groups)
        self.calls: list[tuple[str, Any]] = []
        self.fail: dict[str, FivetranError | list[FivetranError]] = {}
        # list_connections waits for this event when set: lets a test hold a fetch open
        self.gate: asyncio.Event | None = None
        # get_connection answers these in order (the last one repeats) instead of `connections`
        self.script: list[Scripted] = []
        self.message = "Operation performed."
        self.setup_tests: list[dict[str, Any]] = []
        self.schemas: SchemaSettings = schema_settings({"public": {"orders": {}}})
        self.columns = TableColumns.model_validate(
            {
                "columns": {
                    "id": {
                        "name_in_destination": "id",
                        "enabled": True,
                        "hashed": False,
                        "is_primary_key": True,
                    },
                    "email": {"name_in_destination": "email", "enabled": True, "hashed": False},
                }
            }
        )

    def as_client(self) -> FivetranClient:
        return cast(FivetranClient, self)

    def count(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method)

    def _call(self, method: str, args: Any = None) -> None:
        self.calls.append((method, args))
        error = self.fail.get(method)
        if isinstance(error, list):
            if error:
                raise error.pop(0)
        elif error is not None:
            raise error

    # --- reads -----------------------------------------------------------------------------------------

    async def list_groups(self) -> list[Group]:
        self._call("list_groups")
        await asyncio.sleep(0)
        return list(self.groups)

    async def list_connections(self, group_id: str | None = None) -> list[Connection]:
        self._call("list_connections", group_id)
        found = list(self.connections.values())  # what Fivetran had when asked
        if self.gate is not None:
            await self.gate.wait()
        return found

    async def get_connection(self, connection_id: str) -> Connection:
        self._call("get_connection", connection_id)
        if self.script:
            item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
            if isinstance(item, FivetranError):
                raise item
            return item
        return self.connections[connection_id]

    async def get_schemas(self, connection_id: str) -> SchemaSettings:
        self._call("get_schemas", connection_id)
        return self.schemas

    # --- changes ---------------------------------------------------------------------------------------

    def _patched(self, connection_id: str, **fields: Any) -> Connection:
        changed = self.connections[connection_id].model_copy(update=fields)
        self.connections[connection_id] = changed
        return changed

    async def pause(self, connection_id: str) -> Connection:
        self._call("pause", connection_id)
        return self._patched(connection_id, paused=True)

    async def resume(self, connection_id: str) -> Connection:
        self._call("resume", connection_id)
        return self._patched(connection_id, paused=False)

    async def sync(self, connection_id: str, *, force: bool = False) -> str:
        self._call("sync", (connection_id, force))
        return self.message

    async def resync(self, connection_id: str, scope: Any = None) -> str:
        self._call("resync", (connection_id, scope))
        return self.message

    async def resync_tables(self, connection_id: str, tables: Any) -> str:
        self._call("resync_tables", (connection_id, tables))
        return self.message

    async def set_schedule(
        self,
        connection_id: str,
        *,
        schedule_type: str | None = None,
        sync_frequency: int | None = None,
        daily_sync_time: str | None = None,
    ) -> Connection:
        fields = {
            k: v
            for k, v in (
                ("schedule_type", schedule_type),
                ("sync_frequency", sync_frequency),
                ("daily_sync_time", daily_sync_time),
            )
            if v is not None
        }
        self._call("set_schedule", (connection_id, fields))
        return self._patched(connection_id, **fields)

    async def connect_card(
        self, connection_id: str, *, redirect_uri: str, hide_setup_guide: bool = False
    ) -> ConnectCard:
        self._call("connect_card", (connection_id, redirect_uri, hide_setup_guide))
        return ConnectCard.model_validate(
            {
                "connector_id": connection_id,
                "connect_card": {
                    "token": "a.b.c",
                    "uri": f"https://fivetran.com/connect-card/setup?auth={connection_id}",
                },
            }
        )

    async def run_setup_tests(self, connection_id: str) -> Connection:
        self._call("run_setup_tests", connection_id)
        tests = [SetupTest.model_validate(t) for t in self.setup_tests]
        return self.connections[connection_id].model_copy(update={"setup_tests": tests})

    async def set_table_enabled(
        self, connection_id: str, schema: str, table: str, enabled: bool
    ) -> SchemaSettings:
        self._call("set_table_enabled", (connection_id, schema, table, enabled))
        return self.schemas

    async def reload_schemas(self, connection_id: str) -> SchemaSettings:
        self._call("reload_schemas", connection_id)
        return self.schemas

    async def get_columns(self, connection_id: str, schema: str, table: str) -> TableColumns:
        self._call("get_columns", (connection_id, schema, table))
        return self.columns

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
        self._call("set_column", (connection_id, schema, table, column, enabled, hashed))
        changed = {"enabled": enabled} | ({} if hashed is None else {"hashed": hashed})
        self.columns.columns[column] = self.columns.columns[column].model_copy(update=changed)
        return self.schemas


class FakeGroupMembers:
    """Slack's usergroups.users.list: members per group id, counting lookups; `down` makes it fail."""

    def __init__(self, members: dict[str, list[str]]) -> None:
        self.members = members
        self.lookups: list[str] = []
        self.down = False

    async def __call__(self, group_id: str) -> list[str]:
        self.lookups.append(group_id)
        if self.down:
            raise RuntimeError("slack is down")
        return list(self.members.get(group_id, []))


class FakeGrants:
    def __init__(self, grants: dict[str, Any]) -> None:
        self.grants = grants
        self.reads = 0

    async def role_grants(self) -> dict[str, Any]:
        self.reads += 1
        await asyncio.sleep(0)  # a real read yields, so checks waiting at once really overlap
        return dict(self.grants)
