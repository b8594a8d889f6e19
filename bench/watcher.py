"""8. Watcher poll: what the polling watcher costs over an account of 10,000 connections, in this process
(simulator over ASGI for the snapshot, then a fixed snapshot; a SQLite file as `serve` uses). Measured: the
first poll (every connection stored as a baseline) and a poll in which nothing changed, as wall time, CPU
of this process, stored rows read (`WatchStateRepo.rows_read`) and database rows written; and the longest a command's database transaction waited while
the first poll ran (a command that waits on the watcher is the delay a person sees)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from sqlalchemy import event, text

from bench.context import Context
from bench.stats import figure
from bot.fivetran.client import FivetranClient
from bot.fivetran.transport import Transport
from bot.services.alerts.events import AlertEvent
from bot.services.alerts.watcher import Watcher
from bot.services.pipelines.snapshot import AccountSnapshot, SnapshotCache
from bot.services.pipelines.source import FivetranSource
from bot.simulator import ManualClock, Simulator, build_app
from bot.storage.db import Database
from bot.storage.tables import metadata
from bot.storage.watch_state import WatchStateRepo

QUIET_TARGET_MS = 100.0


class _Fixed:
    def __init__(self, snapshot: AccountSnapshot) -> None:
        self.snapshot = snapshot

    async def get(self, *, max_age: float | None = None) -> AccountSnapshot:
        return self.snapshot


async def _snapshot(size: int) -> AccountSnapshot:
    sim = Simulator(seed=3, groups=max(2, size // 200), connections=size, clock=ManualClock())
    transport = httpx.ASGITransport(app=build_app(sim))
    async with httpx.AsyncClient(transport=transport, timeout=60.0) as http:
        client = FivetranClient(Transport(http, api_key="demo", api_secret="demo", base_url="http://sim"))
        snapshot = await SnapshotCache(FivetranSource("fivetran", client), ttl=3600).get()
    await sim.aclose()
    return snapshot


async def _handle(_event: AlertEvent) -> bool:
    return True


async def _one_run(ctx: Context, snapshot: AccountSnapshot, rep: int) -> dict[str, float]:
    database = Database(f"sqlite+aiosqlite:///{ctx.workdir}/watcher-{rep}.db")
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    written = [0]

    @event.listens_for(database.engine.sync_engine, "after_cursor_execute")
    def _count(_c: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            written[0] += max(cursor.rowcount, 0)

    state = WatchStateRepo(database)
    watcher = Watcher(snapshots=_Fixed(snapshot), state=state, handle=_handle, interval=0)
    waits: list[float] = []
    done = asyncio.Event()

    async def command() -> None:  # a command's database work, every 20 ms, while the first poll runs
        while not done.is_set():
            started = time.perf_counter()
            async with database.begin() as connection:
                await connection.execute(text("SELECT 1"))
            waits.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)

    commands = asyncio.create_task(command())
    found: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    await watcher.poll_once()
    found["first_ms"] = (time.perf_counter() - started) * 1000
    found["first_rows"] = written[0]
    done.set()
    await commands
    found["wait_ms"] = max(waits) * 1000
    await watcher.poll_once()  # the second poll: the quiet memo fills (the stored rows were known as written)
    written[0] = 0
    read = state.rows_read
    started, cpu = time.perf_counter(), time.process_time()
    await watcher.poll_once()
    found["quiet_ms"] = (time.perf_counter() - started) * 1000
    found["quiet_cpu_ms"] = (time.process_time() - cpu) * 1000
    found["quiet_rows"] = written[0]
    found["quiet_read"] = state.rows_read - read
    await database.dispose()
    return found


async def run(ctx: Context) -> dict[str, Any]:
    size = ctx.plan.memory_connections
    snapshot = await _snapshot(size)
    runs = [await _one_run(ctx, snapshot, rep) for rep in range(ctx.plan.reps)]

    def col(name: str) -> list[float]:
        return [r[name] for r in runs]

    quiet_cpu = sorted(col("quiet_cpu_ms"))[len(runs) // 2]
    quiet_rows = sorted(col("quiet_rows"))[len(runs) // 2]
    figures = {
        f"{size:,} connections, nothing changed: CPU": figure(
            col("quiet_cpu_ms"), "ms", target=f"≤ {QUIET_TARGET_MS:g} ms", met=quiet_cpu <= QUIET_TARGET_MS
        ),
        f"{size:,} connections, nothing changed: wall": figure(col("quiet_ms"), "ms"),
        f"{size:,} connections, nothing changed: rows written": figure(
            col("quiet_rows"), "rows", target="0", met=quiet_rows == 0, digits=0
        ),
        f"{size:,} connections, nothing changed: stored rows read": figure(
            col("quiet_read"), "rows", compare=f"before: all {size:,}", digits=0
        ),
        f"{size:,} connections, first poll (baseline): wall": figure(col("first_ms"), "ms"),
        f"{size:,} connections, first poll: rows written": figure(col("first_rows"), "rows", digits=0),
        "longest wait of a command's transaction during the first poll": figure(
            col("wait_ms"), "ms", compare="before: the whole first poll (~9 s at 10,000)"
        ),
    }
    ctx.log(", ".join(f"{k}: {v['median']}" for k, v in figures.items()))
    return {
        "title": "Watcher poll",
        "setup": {"connections": size, "database": "SQLite file"},
        "figures": figures,
    }
