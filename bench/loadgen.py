"""The throughput benchmark's load generator, in a process of its own:

    python -m bench.loadgen URL        (one step a line on stdin, its results a line on stdout)

A step is `{"rate": R, "payloads": [base64 of a whole HTTP request, …], "prewarm": N}`: request i is
written at start + i/R, on a kept-alive connection that is free then (a new one when none is, as Slack
would open one), whatever the answers before it; its latency counts from its scheduled moment, so a queue
here is counted too. The answer is `{"results": [[seconds or null, status], …], "cpu_s": …,
"elapsed_s": …, "start": …}`: null for a request unanswered within the step's drain limit.

In the bench process the generator shared one event loop with the Slack double (which takes every
answer the bot posts) and cost more CPU than the bot: httpx's pool walks every connection on every
request. Here each request is one write of bytes encoded before the clock starts (`bench.rawhttp`), and
the Slack double's work does not delay the clock that measures the acks.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from bench.rawhttp import RawConnection

DRAIN_S = 15.0


class Pool:
    """Kept-alive connections to one server: a free one for each request, a new one when none is."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._free: list[RawConnection] = []
        self.opened = 0

    async def _open(self) -> RawConnection:
        reader, writer = await asyncio.open_connection(self._host, self._port)
        self.opened += 1
        return RawConnection(f"{self._host}:{self._port}", reader, writer)

    async def prewarm(self, count: int) -> None:
        while len(self._free) < count:
            self._free.append(await self._open())

    async def exchange(self, payload: bytes) -> int:
        connection = self._free.pop() if self._free else await self._open()
        try:
            status, _ = await connection.exchange(payload)
        except BaseException:
            await connection.aclose()  # its state is unknown: not used again
            raise
        self._free.append(connection)
        return status

    async def aclose(self) -> None:
        for connection in self._free:
            await connection.aclose()
        self._free = []


async def run_step(pool: Pool, rate: float, payloads: list[bytes]) -> dict[str, Any]:
    cpu_before = time.process_time()
    start = time.perf_counter() + 0.05

    async def one(index: int) -> tuple[float | None, int]:
        at = start + index / rate
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            status = await pool.exchange(payloads[index])
        except (OSError, ValueError, asyncio.IncompleteReadError):
            return None, 0
        return time.perf_counter() - at, status

    tasks = [asyncio.create_task(one(i)) for i in range(len(payloads))]
    done, pending = await asyncio.wait(tasks, timeout=len(payloads) / rate + DRAIN_S)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    results = [list(task.result()) if task in done else [None, 0] for task in tasks]
    return {
        "results": results,
        "cpu_s": time.process_time() - cpu_before,
        "elapsed_s": time.perf_counter() - start,
        # perf_counter is CLOCK_MONOTONIC on Linux, the same in every process: the bench process times
        # each request's answer in Slack from `start + i / rate` too
        "start": start,
        "connections_opened": pool.opened,
    }


async def serve_steps(url: str) -> None:
    loop = asyncio.get_running_loop()
    pool = Pool(url)
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            step = json.loads(line)
            await pool.prewarm(int(step.get("prewarm", 0)))
            payloads = [base64.b64decode(p) for p in step["payloads"]]
            answer = await run_step(pool, float(step["rate"]), payloads)
            # uvicorn closes a connection idle for a few seconds: the next step opens its own.
            await pool.aclose()
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        await pool.aclose()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    asyncio.run(serve_steps(args[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
