"""Benchmark 8's quiet poll, many times over, for bench/findings/watcher.md: CPU and wall of each poll,
and every cyclic-GC collection that landed inside one (generation, milliseconds, timed by
`gc.callbacks`). `--fresh` polls a new snapshot every time, fetched from the simulator in its own process
on a real clock (what `serve`'s watcher gets: it asks for a snapshot no older than 0 s; a few connections
sync meanwhile), instead of benchmark 8's one fixed snapshot;
`--profile` prints cProfile's top functions of one quiet poll. Then the longest a command's transaction
waited while ten more polls ran (a command that waits on the watcher is the delay a person sees).

    .venv/bin/python -m bench.watcher_polls --polls 30 [--fresh] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.procs import API_KEY, API_SECRET, simulator
from bench.watcher import _Fixed, _handle
from bot.fivetran.client import FivetranClient
from bot.fivetran.transport import Transport
from bot.services.alerts.watcher import Watcher
from bot.services.pipelines.snapshot import AccountSnapshot, SnapshotCache, Snapshots
from bot.services.pipelines.source import FivetranSource
from bot.simulator import ManualClock, Simulator, build_app
from bot.storage.db import Database
from bot.storage.tables import metadata
from bot.storage.watch_state import WatchStateRepo


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _Timed:
    """A snapshot source that keeps the CPU spent getting each snapshot (with `--fresh`: the simulator's
    serving and the bot's decoding), so the poll's own work can be told apart."""

    def __init__(self, snapshots: Snapshots) -> None:
        self._snapshots = snapshots
        self.cpu_ms = 0.0

    async def get(self, *, max_age: float | None = None) -> AccountSnapshot:
        cpu = time.process_time()
        try:
            return await self._snapshots.get(max_age=max_age)
        finally:
            self.cpu_ms += (time.process_time() - cpu) * 1000


class _Collections:
    """Each collection while `armed`, as (generation, ms)."""

    def __init__(self) -> None:
        self.armed = False
        self.found: list[tuple[int, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if not self.armed:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.found.append((info["generation"], (time.perf_counter() - self._started) * 1000))


async def _command_waits(database: Database, watcher: Watcher, *, polls: int) -> list[float]:
    """What a command's database work (benchmark 8's: a transaction every 20 ms) waits while polls run."""
    waits: list[float] = []
    done = asyncio.Event()

    async def command() -> None:
        while not done.is_set():
            started = time.perf_counter()
            async with database.begin() as connection:
                await connection.execute(text("SELECT 1"))
            waits.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.02)

    commands = asyncio.create_task(command())
    for _ in range(polls):
        await watcher.poll_once()
        await asyncio.sleep(0.01)
    done.set()
    await commands
    return waits


async def _polls(source: Snapshots, polls: int, profile: bool) -> None:
    snapshots = _Timed(source)
    with tempfile.TemporaryDirectory() as workdir:
        database = Database(f"sqlite+aiosqlite:///{workdir}/watcher.db")
        async with database.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        watcher = Watcher(snapshots=snapshots, state=WatchStateRepo(database), handle=_handle, interval=0)
        await watcher.poll_once()  # the baseline
        await watcher.poll_once()  # the first read after it decodes every row once
        objects, rss = len(gc.get_objects()), _rss_mb()
        collections = _Collections()
        gc.callbacks.append(collections)
        cpu_ms: list[float] = []
        own_ms: list[float] = []
        wall_ms: list[float] = []
        full: list[float] = []
        try:
            for _ in range(polls):
                collections.found.clear()
                collections.armed = True
                snapshots.cpu_ms = 0.0
                started, cpu = time.perf_counter(), time.process_time()
                await watcher.poll_once()
                cpu_ms.append((time.process_time() - cpu) * 1000)
                own_ms.append(cpu_ms[-1] - snapshots.cpu_ms)
                wall_ms.append((time.perf_counter() - started) * 1000)
                collections.armed = False
                full += [ms for generation, ms in collections.found if generation == 2]
            waits = await _command_waits(database, watcher, polls=10)
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
                await watcher.poll_once()
                profiler.disable()
        finally:
            gc.callbacks.remove(collections)
        gc.collect()
        grown = f"{len(gc.get_objects()) - objects:+,} objects tracked, RSS {_rss_mb() - rss:+.1f} MB"
        await database.dispose()

    def line(name: str, values: list[float]) -> str:
        return f"{name}: median {statistics.median(values):.1f} ms, max {max(values):.1f} ms"

    print(f"{polls} quiet polls; {line('CPU', cpu_ms)}; {line('wall', wall_ms)}")
    print(f"  CPU apart from getting the snapshot: {line('', own_ms)[2:]}")
    if full:
        print(f"full collections inside a poll: {len(full)} in {polls} polls; {line('each', full)}")
    else:
        print(f"full collections inside a poll: none in {polls} polls")
    print(f"after the polls and a full collection: {grown}")
    print(f"longest wait of a command's transaction (every 20 ms) through 10 more polls: {max(waits):.1f} ms")
    if profile:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


async def main(size: int, polls: int, fresh: bool, profile: bool) -> None:
    if fresh:  # the simulator in its own process, on a real clock: what is left is the bot's own CPU
        with tempfile.TemporaryDirectory() as workdir:
            async with (
                simulator(Path(workdir), connections=size, groups=max(2, size // 200)) as served,
                httpx.AsyncClient(timeout=60.0) as http,
            ):
                transport = Transport(http, api_key=API_KEY, api_secret=API_SECRET, base_url=served.url)
                source = FivetranSource("fivetran", FivetranClient(transport))
                await _polls(SnapshotCache(source, ttl=3600), polls, profile)
        return
    sim = Simulator(seed=3, groups=max(2, size // 200), connections=size, clock=ManualClock())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(sim)), timeout=60.0) as http:
        client = FivetranClient(Transport(http, api_key="demo", api_secret="demo", base_url="http://sim"))
        snapshot = await SnapshotCache(FivetranSource("fivetran", client), ttl=3600).get()
    await sim.aclose()
    await _polls(_Fixed(snapshot), polls, profile)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--polls", type=int, default=30)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.connections, args.polls, args.fresh, args.profile))
