"""A source of pipelines (DESIGN section 8): what every service needs of a Fivetran account, and later of
an HVR hub, said once.

Services read and change pipelines through `PipelineSource` only; `FivetranSource` is one Fivetran account
behind it. It speaks in pipeline keys (`bot.keys`): the ids it hands out are qualified with its name, and
the keys it is given are split back to Fivetran's ids, so a key can never reach another account's API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from bot.fivetran.client import FivetranClient
from bot.fivetran.models import ConnectCard, Connection, Group, SchemaSettings, TableColumns
from bot.keys import DEFAULT_SOURCE, qualify, remote_id


class PipelineSource(Protocol):
    """List, get, act: every call takes and gives pipeline keys."""

    async def list_groups(self) -> list[Group]: ...
    async def list_connections(self) -> list[Connection]: ...
    async def get_connection(self, connection_id: str) -> Connection: ...
    async def pause(self, connection_id: str) -> Connection: ...
    async def resume(self, connection_id: str) -> Connection: ...
    async def sync(self, connection_id: str, *, force: bool = False) -> str: ...
    async def resync(self, connection_id: str, scope: Mapping[str, Sequence[str]] | None = None) -> str: ...
    async def resync_tables(self, connection_id: str, tables: Mapping[str, Sequence[str]]) -> str: ...
    async def run_setup_tests(self, connection_id: str) -> Connection: ...
    async def set_schedule(
        self,
        connection_id: str,
        *,
        schedule_type: str | None = None,
        sync_frequency: int | None = None,
        daily_sync_time: str | None = None,
    ) -> Connection: ...
    async def connect_card(
        self, connection_id: str, *, redirect_uri: str, hide_setup_guide: bool = False
    ) -> ConnectCard: ...
    async def get_schemas(self, connection_id: str) -> SchemaSettings: ...
    async def set_table_enabled(
        self, connection_id: str, schema: str, table: str, enabled: bool
    ) -> SchemaSettings: ...
    async def reload_schemas(self, connection_id: str) -> SchemaSettings: ...
    async def get_columns(self, connection_id: str, schema: str, table: str) -> TableColumns: ...
    async def set_column(
        self,
        connection_id: str,
        schema: str,
        table: str,
        column: str,
        *,
        enabled: bool,
        hashed: bool | None = None,
    ) -> SchemaSettings: ...


@runtime_checkable
class PagedSource(Protocol):
    """A source that also hands its connections over a page at a time, as they come: the snapshot cache
    then compares, classifies and sorts each page while the next one is on its way (`snapshot._Build`)."""

    def connection_pages(self) -> AsyncIterator[Sequence[Connection]]: ...


class FivetranSource:
    """One Fivetran account as a source named `name`: its client, and nothing of any other account's.

    What needs no translation of its answer hands back the client's coroutine rather than awaiting it, so
    the seam costs no frame on the way to Fivetran (tests/e2e/test_frames.py counts them)."""

    def __init__(self, name: str, client: FivetranClient) -> None:
        self.name = name
        self.client = client
        self._bare = name == DEFAULT_SOURCE

    def _own(self, connection: Connection) -> Connection:
        if self._bare:
            return connection
        return connection.model_copy(
            update={
                "id": qualify(self.name, connection.id),
                "group_id": qualify(self.name, connection.group_id),
            }
        )

    async def list_groups(self) -> list[Group]:
        groups = await self.client.list_groups()
        if self._bare:
            return groups
        return [g.model_copy(update={"id": qualify(self.name, g.id)}) for g in groups]

    async def list_connections(self) -> list[Connection]:
        found = await self.client.list_connections()
        return found if self._bare else [self._own(c) for c in found]

    def connection_pages(self) -> AsyncIterator[Sequence[Connection]]:
        pages = self.client.connection_pages()
        return pages if self._bare else self._owned(pages)

    async def _owned(self, pages: AsyncIterator[Sequence[Connection]]) -> AsyncIterator[Sequence[Connection]]:
        async for page in pages:
            yield [self._own(c) for c in page]

    async def get_connection(self, connection_id: str) -> Connection:
        return self._own(await self.client.get_connection(remote_id(connection_id)))

    async def pause(self, connection_id: str) -> Connection:
        return self._own(await self.client.pause(remote_id(connection_id)))

    async def resume(self, connection_id: str) -> Connection:
        return self._own(await self.client.resume(remote_id(connection_id)))

    def sync(self, connection_id: str, *, force: bool = False) -> Coroutine[Any, Any, str]:
        return self.client.sync(remote_id(connection_id), force=force)

    def resync(
        self, connection_id: str, scope: Mapping[str, Sequence[str]] | None = None
    ) -> Coroutine[Any, Any, str]:
        return self.client.resync(remote_id(connection_id), scope)

    def resync_tables(
        self, connection_id: str, tables: Mapping[str, Sequence[str]]
    ) -> Coroutine[Any, Any, str]:
        return self.client.resync_tables(remote_id(connection_id), tables)

    async def run_setup_tests(self, connection_id: str) -> Connection:
        return self._own(await self.client.run_setup_tests(remote_id(connection_id)))

    async def set_schedule(
        self,
        connection_id: str,
        *,
        schedule_type: str | None = None,
        sync_frequency: int | None = None,
        daily_sync_time: str | None = None,
    ) -> Connection:
        return self._own(
            await self.client.set_schedule(
                remote_id(connection_id),
                schedule_type=schedule_type,
                sync_frequency=sync_frequency,
                daily_sync_time=daily_sync_time,
            )
        )

    async def connect_card(
        self, connection_id: str, *, redirect_uri: str, hide_setup_guide: bool = False
    ) -> ConnectCard:
        card = await self.client.connect_card(
            remote_id(connection_id), redirect_uri=redirect_uri, hide_setup_guide=hide_setup_guide
        )
        return card.model_copy(update={"connector_id": connection_id})

    def get_schemas(self, connection_id: str) -> Coroutine[Any, Any, SchemaSettings]:
        return self.client.get_schemas(remote_id(connection_id))

    def set_table_enabled(
        self, connection_id: str, schema: str, table: str, enabled: bool
    ) -> Coroutine[Any, Any, SchemaSettings]:
        return self.client.set_table_enabled(remote_id(connection_id), schema, table, enabled)

    def reload_schemas(self, connection_id: str) -> Coroutine[Any, Any, SchemaSettings]:
        return self.client.reload_schemas(remote_id(connection_id))

    def get_columns(self, connection_id: str, schema: str, table: str) -> Coroutine[Any, Any, TableColumns]:
        return self.client.get_columns(remote_id(connection_id), schema, table)

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
        return self.client.set_column(
            remote_id(connection_id), schema, table, column, enabled=enabled, hashed=hashed
        )
