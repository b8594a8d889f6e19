"""7. Several accounts: what a second (and third) Fivetran account costs a person asking. Two accounts of
5,000 and of 10,000 connections each, in this process over ASGI (no network latency: this measures the
bot's own work). Cold: both snapshots fetched at once, against one account of the same size. Warm: a
`get` that finds both snapshots fresh (what every command does between fetches), then a `get` right after
a change to one account (the merge made again), then `/hvr list` selected and rendered over the merge; and
the first `/hvr list` over a merge of fresh fetches, whose order the fetches made (`order.merged`)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from bench.context import Context
from bench.stats import figure
from bot.blocks.connectors import render_list
from bot.fivetran.client import FivetranClient
from bot.fivetran.transport import Transport
from bot.services.pipelines.selectors import Selector, counts_of, select, source_counts
from bot.services.pipelines.snapshot import AccountSnapshot, SnapshotCache
from bot.services.pipelines.source import FivetranSource
from bot.services.pipelines.sources import Member, Sources
from bot.simulator import ManualClock, Simulator, build_app

WARM_GETS = 50  # a warm get is a tenth of a millisecond: one run is the mean of this many
WARM_TARGET_MS = 5.0  # a command's wait for a fresh snapshot of every account: nothing a person notices
NAMES = ("prod", "staging")


@contextlib.asynccontextmanager
async def _accounts(names: tuple[str, ...], size: int) -> AsyncIterator[Sources]:
    mounts: dict[str, httpx.AsyncBaseTransport] = {}
    sims = []
    for name in names:
        sim = Simulator(seed=3, groups=max(1, size // 500), connections=size, clock=ManualClock())
        sims.append(sim)
        mounts[f"http://{name}.simulator"] = httpx.ASGITransport(app=build_app(sim))
    async with httpx.AsyncClient(mounts=mounts, timeout=60.0) as http:
        members = []
        for name in names:
            transport = Transport(
                http, api_key="demo", api_secret="demo", base_url=f"http://{name}.simulator"
            )
            source = FivetranSource(name, FivetranClient(transport))
            members.append(Member(name, source, SnapshotCache(source, name=name, ttl=3600)))
        yield Sources(members)
    for sim in sims:
        await sim.aclose()


async def _cold(names: tuple[str, ...], size: int, reps: int) -> list[float]:
    async with _accounts(names, size) as sources:
        took = []
        for _ in range(reps):
            sources.invalidate()
            started = time.perf_counter()
            await sources.get()
            took.append((time.perf_counter() - started) * 1000)
        return took


def _list_ms(snapshot: AccountSnapshot) -> float:
    """`/hvr list`'s work over a snapshot, as its handler does it (bot/slack/reads.py)."""
    started = time.perf_counter()
    everything = Selector()
    render_list(
        snapshot,
        select(snapshot, everything),
        everything,
        page=1,
        now=snapshot.fetched_at,
        counts=counts_of(snapshot, everything),
        by_source=source_counts(snapshot, everything),
    )
    return (time.perf_counter() - started) * 1000


async def run(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    figures: dict[str, Any] = {}
    reps = plan.reps
    for size in plan.sources_sizes:
        one = await _cold(("prod",), size, reps)
        two = await _cold(NAMES, size, reps)
        figures[f"cold fetch, 2 × {size:,} connections"] = figure(
            two, "ms", compare=f"one account of {size:,}: {sorted(one)[len(one) // 2]:.0f} ms"
        )
        async with _accounts(NAMES, size) as sources:
            snapshot = await sources.get()
            warm, changed, listing, fresh = [], [], [], []
            for _ in range(reps):
                sources.invalidate()
                snapshot = await sources.get()
                fresh.append(_list_ms(snapshot))
                started = time.perf_counter()
                for _ in range(WARM_GETS):
                    await sources.get()
                warm.append((time.perf_counter() - started) * 1000 / WARM_GETS)
                connection = next(iter(snapshot.connections.values()))
                sources.update(connection.model_copy(update={"paused": not connection.paused}))
                started = time.perf_counter()
                snapshot = await sources.get()
                changed.append((time.perf_counter() - started) * 1000)
                listing.append(_list_ms(snapshot))
        median = sorted(warm)[len(warm) // 2]
        figures[f"warm get, 2 × {size:,}"] = figure(
            warm, "ms", target=f"< {WARM_TARGET_MS:g} ms", met=median < WARM_TARGET_MS
        )
        figures[f"get after a change, 2 × {size:,} (merge made again)"] = figure(changed, "ms")
        figures[f"/hvr list select + render, 2 × {size:,}"] = figure(
            listing,
            "ms",
            compare="right after a change to one account: its order kept, the connection moved (`order.reordered`)",
        )
        figures[f"first /hvr list after a fetch, select + render, 2 × {size:,}"] = figure(
            fresh, "ms", compare="the order the fetches sorted, merged"
        )
    ctx.log(", ".join(f"{k}: {v['median']}" for k, v in figures.items()))
    setup = {"accounts": list(NAMES), "connections_each": list(plan.sources_sizes), "latency_ms": 0}
    return {"title": "Several accounts", "setup": setup, "figures": figures}
