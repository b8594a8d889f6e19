"""The next page's request is on the wire before the page in hand is decoded: a page's decoding holds the
loop, and a request merely started (one turn of the loop) was still in the pool when it did."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, model_validator

from bot.fivetran import FivetranClient
from bot.fivetran.transport import Transport
from tests.fivetran.conftest import ok

PAGES = 3
Log = list[str]


async def _serve_pages(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """HTTP/1.1 keep-alive, just enough: page n's cursor is "n"; the last page has none."""
    try:
        while head := await reader.readuntil(b"\r\n\r\n"):
            target = head.split(b" ", 2)[1].decode()
            page = int(httpx.URL(target).params.get("cursor", "0"))
            data: dict[str, Any] = {"items": [{"id": f"p{page}-{i}"} for i in range(3)]}
            if page + 1 < PAGES:
                data["next_cursor"] = str(page + 1)
            body = json.dumps(ok(data)).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


class _Written(httpx.AsyncBaseTransport):
    """The real transport, noting in `log` when a request's bytes are written (from httpcore's trace)."""

    def __init__(self, log: Log) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._log = log

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        traced = request.extensions.get("trace")
        cursor = request.url.params.get("cursor", "0")

        async def trace(name: str, info: dict[str, Any]) -> None:
            if name.endswith("send_request_body.complete"):
                self._log.append(f"written {cursor}")
            if traced is not None:
                await traced(name, info)

        request.extensions = {**request.extensions, "trace": trace}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
async def log() -> Log:
    return []


@pytest.fixture
async def paged_client(log: Log) -> AsyncIterator[FivetranClient]:
    server = await asyncio.start_server(_serve_pages, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(transport=_Written(log)) as http:
            yield FivetranClient(
                Transport(http, api_key="k", api_secret="s", base_url=f"http://127.0.0.1:{port}")
            )
    finally:
        server.close()
        await server.wait_closed()


async def test_the_next_page_is_written_before_this_one_is_decoded(
    paged_client: FivetranClient, log: Log
) -> None:
    class Item(BaseModel):
        id: str

        @model_validator(mode="after")
        def _noted(self) -> Item:
            if self.id.endswith("-0"):  # the first item of a page: its page is being decoded
                log.append(f"decoded {self.id.split('-')[0][1:]}")
            return self

    ids = [item.id async for item in paged_client._pages("list_items", "/v1/items", Item)]
    assert len(ids) == PAGES * 3
    assert log == ["written 0", "written 1", "decoded 0", "written 2", "decoded 1", "decoded 2"]
