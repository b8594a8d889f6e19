"""Oversized unsigned posts against the real `serve`: refused before they are read whole, so the
process's memory stays where it was (the audit saw five 50 MB posts take it from 102 to 730 MB)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from tests.resilience.process import deployment

MIB = 1024 * 1024
POSTS = 5
BODY = 50 * MIB
CHUNK = 256 * 1024
RSS_GROWTH_LIMIT_KB = 20 * 1024  # the bound: within 20 MB of idle


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


async def send_whole_body(port: int, path: str) -> bytes:
    """Try to send all 50 MB, as an attacker would, and read what the server says (if anything)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {BODY}\r\n\r\n"
    ).encode()
    writer.write(head)
    block = b"x" * CHUNK
    with contextlib.suppress(ConnectionError):
        for _ in range(BODY // CHUNK):
            writer.write(block)
            await writer.drain()
    try:
        async with asyncio.timeout(5):
            return await reader.read(200)
    except (TimeoutError, ConnectionError):
        return b""
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def test_five_50_mb_unsigned_posts_leave_serve_within_20_mb_of_idle(tmp_path: Path) -> None:
    async with deployment(tmp_path) as dep:
        await dep.start()
        assert dep.proc is not None
        idle = rss_kb(dep.proc.pid)

        answers = [await send_whole_body(dep.port, "/slack/events") for _ in range(POSTS)]
        # Without FIVETRAN_WEBHOOK_SECRET the webhook answers 404; either way it must not read 50 MB.
        webhook = await send_whole_body(dep.port, "/fivetran/webhook")

        grown = rss_kb(dep.proc.pid) - idle
        assert [a.split(b"\r\n", 1)[0] for a in answers] == [b"HTTP/1.1 413 Request Entity Too Large"] * POSTS
        assert webhook.split(b" ", 2)[1] in (b"404", b"413")
        assert grown < RSS_GROWTH_LIMIT_KB, f"serve grew by {grown} kB"
