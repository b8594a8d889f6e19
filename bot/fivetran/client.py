"""The typed Fivetran client: one method per operation the bot performs, on the `/v1/connections` paths.

Lists are async iterators that follow `next_cursor` with `limit=1000` (the largest page Fivetran serves,
so that an account of 5,000 connections costs 5 requests, not 50).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from bot.fivetran.envelope import Envelope, decode, parse_data
from bot.fivetran.errors import DecodeError
from bot.fivetran.models import (
    AccountInfo,
    ConnectCard,
    Connection,
    ConnectionDetails,
    Group,
    ListedConnection,
    SchemaSettings,
    TableColumns,
    Webhook,
)
from bot.fivetran.pages import RawPage, page_items, page_parser, raw_page
from bot.fivetran.transport import Transport

PAGE_LIMIT = 1000
YIELD_EVERY = 100
# A schema reload reads the whole schema from the source and can take minutes (the spec says so): its
# answer is waited for this long, by whoever runs it outside a person's patience.
RELOAD_TIMEOUT = httpx.Timeout(connect=5.0, read=900.0, write=10.0, pool=10.0)

M = TypeVar("M")


def _seg(value: str) -> str:
    """Quote one path segment: a table named `a/b` or `..` must not change the path."""
    return quote(value, safe="")


async def _gone_out(request: asyncio.Task[Envelope], written: asyncio.Event) -> None:
    """Returns once `request` is on the wire (`written`), or over (answered, failed: a transport that does
    not trace)."""
    if request.done() or written.is_set():
        return
    wrote = asyncio.create_task(written.wait())
    try:
        await asyncio.wait((request, wrote), return_when=asyncio.FIRST_COMPLETED)
    finally:
        wrote.cancel()


class FivetranClient:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    async def _pages(
        self, operation: str, path: str, model: type[M], params: Mapping[str, str] | None = None
    ) -> AsyncIterator[M]:
        """Items of every page, as `model`, one by one (`_batches`), the loop let run every 100 of them."""
        async for items in self._batches(operation, path, params, model):
            for index, item in enumerate(items):
                if index % YIELD_EVERY == 0:
                    # Let the loop run: the next page's request goes out, and acks of other requests
                    # are not held up while 10,000 connections are handed over one by one.
                    await asyncio.sleep(0)
                if isinstance(item, model):
                    yield item
                elif isinstance(item, dict):
                    yield parse_data(model, item, operation)

    async def _all(
        self, operation: str, path: str, model: type[M], params: Mapping[str, str] | None = None
    ) -> list[M]:
        """Items of every page, as `model`, in one list: a page's 1,000 models are taken over at once, not
        through two async generators one by one (~4 ms a page, the last page's on the answer's path)."""
        found: list[M] = []
        async for items in self._models(operation, path, model, params):
            found += items
        return found

    async def _models(
        self, operation: str, path: str, model: type[M], params: Mapping[str, str] | None = None
    ) -> AsyncIterator[list[M]]:
        """Each page's items as `model`, a page at a time (`_batches`)."""
        async for items in self._batches(operation, path, params, model):
            if all(isinstance(item, model) for item in items):
                yield items
            else:
                yield [
                    item if isinstance(item, model) else parse_data(model, item, operation)
                    for item in items
                    if isinstance(item, model | dict)
                ]

    async def _batches(
        self, operation: str, path: str, params: Mapping[str, str] | None, model: type[M]
    ) -> AsyncIterator[list[Any]]:
        """The items of every page (models when the page was decoded from bytes, else dicts; anything else is
        for the caller to skip). The next page is requested as soon as its cursor is known, so that decoding
        one page overlaps the round trip of the next: the pages still come one after another, as cursor
        pagination requires, but the caller's work costs no extra wall time. Pages are decoded from their
        bytes (`pages.page_parser`), once the next page, asked for on the cursor found in them
        (`pages.RawPage`), is on the wire."""
        query: dict[str, Any] = {**(params or {}), "limit": PAGE_LIMIT}
        parse = page_parser(model)
        seen: set[str] = set()
        written = asyncio.Event()  # the latest request's, set by the transport once it is on the wire

        def fetch(extra: Mapping[str, str]) -> asyncio.Task[Envelope]:
            written.clear()
            request = self.transport.request(
                operation, "GET", path, params={**query, **extra}, parse=raw_page, written=written
            )
            return asyncio.create_task(request)

        pending: asyncio.Task[Envelope] | None = fetch({})
        try:
            while pending is not None:
                data = (await pending).data
                pending = None
                hint: str | None = None
                if isinstance(data, RawPage):
                    # The next page asked for on the cursor found in the bytes, then this one decoded while
                    # that request is out: the decoding no longer stands between two round trips.
                    hint = data.cursor_hint()
                    if hint and hint not in seen:
                        pending = fetch({"cursor": hint})
                        # Let the request go out: it takes several turns of the loop (the pool, the
                        # connection), and a page's decoding holds the loop ~7 ms.
                        await _gone_out(pending, written)
                    data = decode(200, data.content, operation=operation, parse=parse).data
                items, cursor = page_items(data, operation)
                if pending is not None and cursor != hint:  # a wrong guess: that request is dropped
                    pending.cancel()
                    await asyncio.gather(pending, return_exceptions=True)
                    pending = None
                if cursor:
                    if cursor in seen:  # a server that repeats a cursor would otherwise loop forever
                        raise DecodeError(
                            f"Fivetran repeated a page cursor in {operation}", operation=operation
                        )
                    seen.add(cursor)
                    if pending is None:
                        pending = fetch({"cursor": cursor})
                yield items
        finally:
            if pending is not None:  # the caller stopped early or failed: don't leave a request running
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)

    # --- account ---------------------------------------------------------------------------------------

    async def account_info(self) -> AccountInfo:
        envelope = await self.transport.request("account_info", "GET", "/v1/account/info")
        return parse_data(AccountInfo, envelope.data, "account_info")

    # --- groups ----------------------------------------------------------------------------------------

    async def iter_groups(self) -> AsyncIterator[Group]:
        async for group in self._pages("list_groups", "/v1/groups", Group):
            yield group

    async def list_groups(self) -> list[Group]:
        return await self._all("list_groups", "/v1/groups", Group)

    async def get_group(self, group_id: str) -> Group:
        envelope = await self.transport.request("get_group", "GET", f"/v1/groups/{_seg(group_id)}")
        return parse_data(Group, envelope.data, "get_group")

    # --- connections -----------------------------------------------------------------------------------

    async def iter_connections(self, group_id: str | None = None) -> AsyncIterator[Connection]:
        """Every connection of the account, or of one group."""
        if group_id is None:
            pages = self._pages("list_connections", "/v1/connections", ListedConnection)
        else:
            path = f"/v1/groups/{_seg(group_id)}/connections"
            pages = self._pages("list_group_connections", path, ListedConnection)
        async for connection in pages:
            yield connection

    async def list_connections(self, group_id: str | None = None) -> list[Connection]:
        if group_id is None:
            return list(await self._all("list_connections", "/v1/connections", ListedConnection))
        path = f"/v1/groups/{_seg(group_id)}/connections"
        return list(await self._all("list_group_connections", path, ListedConnection))

    def connection_pages(self) -> AsyncIterator[list[ListedConnection]]:
        """Every connection of the account, a page's models at a time, as each page comes (the next one
        already asked for): what a snapshot is built from while the next page is on its way."""
        return self._models("list_connections", "/v1/connections", ListedConnection)

    async def get_connection(self, connection_id: str) -> ConnectionDetails:
        envelope = await self.transport.request(
            "get_connection", "GET", f"/v1/connections/{_seg(connection_id)}"
        )
        return parse_data(ConnectionDetails, envelope.data, "get_connection")

    async def update_connection(self, connection_id: str, fields: Mapping[str, Any]) -> ConnectionDetails:
        """`fields`: at least one setting that persists (the spec refuses a PATCH of test controls alone).
        Every PATCH says `run_setup_tests: false`: its default is true, and live Fivetran may then run the
        setup tests after a pause or a schedule change, each counted in the setup-test limit (250 a minute)
        a bulk `test` paces itself against."""
        if not fields:
            raise ValueError("update_connection needs at least one setting to change")
        body = {**fields, "run_setup_tests": False}
        envelope = await self.transport.request(
            "update_connection", "PATCH", f"/v1/connections/{_seg(connection_id)}", json=body
        )
        return parse_data(ConnectionDetails, envelope.data, "update_connection")

    async def pause(self, connection_id: str) -> ConnectionDetails:
        return await self.update_connection(connection_id, {"paused": True})

    async def resume(self, connection_id: str) -> ConnectionDetails:
        return await self.update_connection(connection_id, {"paused": False})

    async def set_schedule(
        self,
        connection_id: str,
        *,
        schedule_type: str | None = None,
        sync_frequency: int | None = None,
        daily_sync_time: str | None = None,
    ) -> ConnectionDetails:
        """Change when the connection syncs: `sync_frequency` in minutes (one of the spec's values),
        `daily_sync_time` as "HH:MM" in UTC (only with 1440), `schedule_type` auto or manual. Only what is
        given is sent."""
        fields: dict[str, Any] = {}
        if schedule_type is not None:
            fields["schedule_type"] = schedule_type
        if sync_frequency is not None:
            fields["sync_frequency"] = sync_frequency
        if daily_sync_time is not None:
            fields["daily_sync_time"] = daily_sync_time
        return await self.update_connection(connection_id, fields)

    async def connect_card(
        self, connection_id: str, *, redirect_uri: str, hide_setup_guide: bool = False
    ) -> ConnectCard:
        """A Connect Card: a Fivetran-hosted page where a person re-authorises the connection or finishes
        its setup. `redirect_uri` (http or https) is where they land afterwards."""
        body = {"connect_card_config": {"redirect_uri": redirect_uri, "hide_setup_guide": hide_setup_guide}}
        envelope = await self.transport.request(
            "connect_card", "POST", f"/v1/connections/{_seg(connection_id)}/connect-card", json=body
        )
        return parse_data(ConnectCard, envelope.data, "connect_card")

    async def sync(self, connection_id: str, *, force: bool = False) -> str:
        """Trigger a sync; `force` stops a running one and starts again. Fivetran returns no run id."""
        envelope = await self.transport.request(
            "sync", "POST", f"/v1/connections/{_seg(connection_id)}/sync", json={"force": force}
        )
        return envelope.message

    async def resync(self, connection_id: str, scope: Mapping[str, Sequence[str]] | None = None) -> str:
        """Historical re-sync of everything, or of `scope` ({schema: [tables]})."""
        body: dict[str, Any] = {}
        if scope is not None:
            body["scope"] = {schema: list(tables) for schema, tables in scope.items()}
        envelope = await self.transport.request(
            "resync", "POST", f"/v1/connections/{_seg(connection_id)}/resync", json=body
        )
        return envelope.message

    async def resync_tables(self, connection_id: str, tables: Mapping[str, Sequence[str]]) -> str:
        envelope = await self.transport.request(
            "resync_tables",
            "POST",
            f"/v1/connections/{_seg(connection_id)}/schemas/tables/resync",
            json={schema: list(names) for schema, names in tables.items()},
        )
        return envelope.message

    async def run_setup_tests(self, connection_id: str) -> ConnectionDetails:
        envelope = await self.transport.request(
            "run_setup_tests", "POST", f"/v1/connections/{_seg(connection_id)}/test", json={}
        )
        return parse_data(ConnectionDetails, envelope.data, "run_setup_tests")

    # --- schemas ---------------------------------------------------------------------------------------

    async def get_schemas(self, connection_id: str) -> SchemaSettings:
        envelope = await self.transport.request(
            "get_schemas", "GET", f"/v1/connections/{_seg(connection_id)}/schemas"
        )
        return parse_data(SchemaSettings, envelope.data, "get_schemas")

    async def set_table_enabled(
        self, connection_id: str, schema: str, table: str, enabled: bool
    ) -> SchemaSettings:
        path = f"/v1/connections/{_seg(connection_id)}/schemas/{_seg(schema)}/tables/{_seg(table)}"
        envelope = await self.transport.request("update_table", "PATCH", path, json={"enabled": enabled})
        return parse_data(SchemaSettings, envelope.data, "update_table")

    async def reload_schemas(self, connection_id: str) -> SchemaSettings:
        envelope = await self.transport.request(
            "reload_schemas",
            "POST",
            f"/v1/connections/{_seg(connection_id)}/schemas/reload",
            json={"exclude_mode": "PRESERVE"},
            timeouts=RELOAD_TIMEOUT,
        )
        return parse_data(SchemaSettings, envelope.data, "reload_schemas")

    # --- columns ---------------------------------------------------------------------------------------

    async def get_columns(self, connection_id: str, schema: str, table: str) -> TableColumns:
        """Every column of one table, read from the source now (only works while it is connected)."""
        path = f"/v1/connections/{_seg(connection_id)}/schemas/{_seg(schema)}/tables/{_seg(table)}/columns"
        envelope = await self.transport.request("get_columns", "GET", path)
        return parse_data(TableColumns, envelope.data, "get_columns")

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
        """Switch a column on or off, and hash it or not; `enabled` is required by Fivetran even when
        only `hashed` changes."""
        path = (
            f"/v1/connections/{_seg(connection_id)}/schemas/{_seg(schema)}/tables/{_seg(table)}"
            f"/columns/{_seg(column)}"
        )
        body: dict[str, bool] = {"enabled": enabled}
        if hashed is not None:
            body["hashed"] = hashed
        envelope = await self.transport.request("update_column", "PATCH", path, json=body)
        return parse_data(SchemaSettings, envelope.data, "update_column")

    # --- webhooks --------------------------------------------------------------------------------------

    async def create_account_webhook(
        self, url: str, events: Sequence[str], secret: str, *, active: bool = True
    ) -> Webhook:
        envelope = await self.transport.request(
            "create_webhook",
            "POST",
            "/v1/webhooks/account",
            json={"url": url, "events": list(events), "active": active, "secret": secret},
        )
        return parse_data(Webhook, envelope.data, "create_webhook")

    async def update_webhook(self, webhook_id: str, fields: Mapping[str, Any]) -> Webhook:
        envelope = await self.transport.request(
            "update_webhook", "PATCH", f"/v1/webhooks/{_seg(webhook_id)}", json=dict(fields)
        )
        return parse_data(Webhook, envelope.data, "update_webhook")

    async def list_webhooks(self) -> list[Webhook]:
        return await self._all("list_webhooks", "/v1/webhooks", Webhook)

    async def delete_webhook(self, webhook_id: str) -> str:
        envelope = await self.transport.request(
            "delete_webhook", "DELETE", f"/v1/webhooks/{_seg(webhook_id)}"
        )
        return envelope.message
