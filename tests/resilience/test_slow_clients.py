"""Slowloris against the real `serve`: connections that trickle or garble their request are closed after
the request timeout, /healthz answers meanwhile, and the log does not grow with each of them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import httpx

from tests.resilience.process import deployment

HALF_SENT = 150
GARBLED = 50
REQUEST_TIMEOUT_S = 1.0


async def _open(port: int, data: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    return reader, writer


async def _closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    try:
        async with asyncio.timeout(within):
            while await reader.read(65536):
                pass  # a garbled request gets its 400 first
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True


async def test_half_sent_requests_are_closed_while_healthz_answers_and_the_log_stays_small(
    tmp_path: Path,
) -> None:
    async with deployment(tmp_path) as dep:
        dep.extra_env = {"HVR_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT_S)}
        await dep.start()
        half = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 100\r\nX-Slow: "
        garbled = b"\x16\x03\x01 not http at all\r\n\r\n"
        held = await asyncio.gather(*(_open(dep.port, half) for _ in range(HALF_SENT)))
        junk = await asyncio.gather(*(_open(dep.port, garbled) for _ in range(GARBLED)))
        try:
            async with httpx.AsyncClient() as http:
                for _ in range(3):
                    began = time.monotonic()
                    answer = await http.get(f"{dep.url}/healthz", timeout=1.0)
                    assert answer.status_code == 200
                    assert time.monotonic() - began < 1.0

            closed = await asyncio.gather(
                *(_closed_by_server(reader, REQUEST_TIMEOUT_S + 2.0) for reader, _ in [*held, *junk])
            )
            assert all(closed), f"{closed.count(False)} connections still open"
        finally:
            for _, writer in [*held, *junk]:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()
        dep.stop()

    log = dep.logs[-1].read_text()
    assert log.count("Invalid HTTP request received") <= 2
    assert log.count("did not arrive within") <= 2
    assert len(log.encode()) < 20_000, log[-2000:]
