"""A minimal HTTP/1.1 client over asyncio streams, for measuring acks without a client library's own
per-request cost in the figure: connections are opened before the clock starts, each request is one
`write` of pre-encoded bytes, and the time stops when the last byte of the answer is read."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from bot.slack_double.inbound import SlackRequest


def encode(host: str, path: str, request: SlackRequest) -> bytes:
    """The whole HTTP/1.1 request, ready to write."""
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(request.body)}"]
    head += [f"{name}: {value}" for name, value in request.headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + request.body


class RawConnection:
    def __init__(self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._host = host
        self._reader = reader
        self._writer = writer

    def encode(self, path: str, request: SlackRequest) -> bytes:
        return encode(self._host, path, request)

    async def exchange(self, payload: bytes) -> tuple[int, float]:
        """Sends one encoded request; (status, seconds from the write to the end of the answer)."""
        started = time.perf_counter()
        self._writer.write(payload)
        status_line = await self._reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length = 0
        while (line := await self._reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "transfer-encoding":
                raise ConnectionError("chunked answers are not supported here")
        if length:
            await self._reader.readexactly(length)
        return status, time.perf_counter() - started

    async def aclose(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()


@contextlib.asynccontextmanager
async def connections(base_url: str, count: int) -> AsyncIterator[list[RawConnection]]:
    """`count` open keep-alive connections to `base_url` (uvicorn closes idle ones after 5 s: open them
    right before use)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    opened: list[RawConnection] = []
    try:
        for _ in range(count):
            reader, writer = await asyncio.open_connection(host, port)
            opened.append(RawConnection(f"{host}:{port}", reader, writer))
        yield opened
    finally:
        for connection in opened:
            await connection.aclose()
