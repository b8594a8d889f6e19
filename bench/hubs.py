"""9. HVR hubs: `/hvr list` and a watcher poll over a simulated hub of 500 channels (`--kind hvr6`, in
this process over ASGI).

Measured: the hub requests one `/hvr list` makes from a cold snapshot, and its time from the command
entering the router to the rendered list (the Slack round trip is the listing benchmark's), against the
floor: the hub's own time to serve the same pages (`definition/channels` and `jobs?fetch=latency`, asked
at once as the bot asks them), in process and with 50 ms added to every answer (a hub across a network).
Then the hub requests of a watcher poll: a quiet poll, and a poll in which one job failed (the failure
alert reads that channel's jobs and that job's log, nothing else).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.context import Context
from bench.stats import figure
from bot.blocks.message import Message
from bot.hvr import HvrClient
from bot.services.alerts.events import AlertEvent
from bot.services.alerts.watcher import Watcher
from bot.services.governance.access import Actor, Role
from bot.services.pipelines.hub_source import HubSource
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.sources import Member, Sources
from bot.services.runtime.posting import MessageRef
from bot.simulator import ManualClock
from bot.simulator.hvr6.app import build_app
from bot.simulator.hvr6.hub import HUB, PASSWORD, USERNAME, Hub
from bot.slack.flow import Deps
from bot.slack.router import Router
from bot.storage.db import Database
from bot.storage.tables import metadata
from bot.storage.watch_state import WatchStateRepo

TARGET_RATIO = 1.5  # the bot's time to the rendered list against the hub's own page times
LIST_REQUESTS = 2  # definition/channels and jobs: the two pages a list needs, however many channels


class _Counted(httpx.AsyncBaseTransport):
    """The simulated hub's app; counts the bot's requests by path (logins apart), each answered after
    `latency_s` more, as a hub across a network would."""

    def __init__(self, hub: Hub) -> None:
        self.app = httpx.ASGITransport(app=build_app(hub))
        self.requests: list[str] = []
        self.latency_s = 0.0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith("/auth/"):
            self.requests.append(request.url.path)
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        return await self.app.handle_async_request(request)


class _Out:
    """The reply the router gives, and when it came."""

    def __init__(self) -> None:
        self.at: float | None = None
        self.message: Message | None = None

    async def reply(self, message: Message, *, replace: bool = False, in_channel: bool = False) -> None:
        self.at, self.message = time.perf_counter(), message

    async def post(self, message: Message) -> MessageRef | None:
        return None

    async def update(self, ref: MessageRef, message: Message) -> None:
        return None


class _Viewer:
    async def check(self, actor: Actor, action: str) -> Role:
        return Role.VIEWER


async def _handle(_event: AlertEvent) -> bool:
    return True


def _world(channels: int) -> tuple[Hub, _Counted, Sources]:
    clock = ManualClock(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    hub = Hub(clock=clock, channels=channels, seed=7, token_seconds=3600)
    transport = _Counted(hub)
    client = HvrClient("http://hub", USERNAME, PASSWORD, HUB, transport=transport)
    source = HubSource("east", client)
    return hub, transport, Sources([Member("east", source, SnapshotCache(source, name="east", ttl=3600))])


def _router(sources: Sources) -> Router:
    # only what `list` reaches; a flow that reached for another collaborator would fail loudly on None
    required: dict[str, Any] = {
        name: None
        for name, field in Deps.__dataclass_fields__.items()
        if field.default is field.default_factory  # both MISSING: a required collaborator
    }
    return Router(Deps(**{**required, "cache": sources, "hubs": sources, "policy": _Viewer()}))


async def _floor(sources: Sources, transport: _Counted) -> float:
    """The hub's own time to serve the two pages a list reads, asked at once as the bot asks them (no bot
    code): with latency, the slower page's time."""
    paths = [
        (
            "/api/latest/hubs/hvrhub/definition/channels",
            [("fetch", f) for f in ("tables", "loc_groups", "members", "channel_actions")],
        ),
        ("/api/latest/hubs/hvrhub/jobs", [("fetch", "latency")]),
    ]
    login = await transport.app.handle_async_request(
        httpx.Request(
            "POST",
            "http://hub/auth/v1/password",
            json={"username": USERNAME, "password": PASSWORD, "refresh": "token"},
        )
    )
    await login.aread()
    token = httpx.Response(200, content=login.content).json()["access_token"]

    async def page(path: str, params: list[tuple[str, str]]) -> None:
        if transport.latency_s:
            await asyncio.sleep(transport.latency_s)
        answer = await transport.app.handle_async_request(
            httpx.Request(
                "GET",
                httpx.URL(f"http://hub{path}", params=params),
                headers={"Authorization": f"Bearer {token}"},
            )
        )
        await answer.aread()
        if answer.status_code != 200:
            raise RuntimeError(f"the simulated hub answered {path} with {answer.status_code}")

    started = time.perf_counter()
    await asyncio.gather(*(page(path, params) for path, params in paths))
    return time.perf_counter() - started


async def _list_once(
    router: Router, sources: Sources, transport: _Counted, channels: int
) -> tuple[float, int]:
    sources.invalidate()
    transport.requests.clear()
    out = _Out()
    started = time.perf_counter()
    await router.command("list", Actor("U0BENCH01", "C0BENCH01"), out)
    expected = f"{channels:,} connectors"
    if out.at is None or out.message is None or expected not in json.dumps(out.message.blocks):
        raise RuntimeError(f"/hvr list did not list the {channels} channels")
    return out.at - started, len(transport.requests)


async def _polls(ctx: Context, channels: int, rep: int) -> dict[str, float]:
    hub, transport, sources = _world(channels)
    database = Database(f"sqlite+aiosqlite:///{ctx.workdir}/hubs-{rep}.db")
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    watcher = Watcher(
        snapshots=sources,
        state=WatchStateRepo(database),
        handle=_handle,
        interval=0,
        hubs=sources.hubs,
        last_error=sources.last_error,
    )
    found: dict[str, float] = {}
    await watcher.poll_once()  # the baseline
    for name in ("quiet", "failure"):
        if name == "failure":
            hub.fail("orders-integ-dwh", "F_JD0A2E: ORA-03113: end-of-file on communication channel")
        sources.invalidate()
        transport.requests.clear()
        result = await watcher.poll_once()
        found[f"{name}_requests"] = len(transport.requests)
        found[f"{name}_events"] = len(result.events)
    await database.dispose()
    return found


async def run(ctx: Context) -> dict[str, Any]:
    channels = ctx.plan.hub_channels
    _, transport, sources = _world(channels)
    router = _router(sources)
    await _list_once(router, sources, transport, channels)  # logs in, warms the process: not counted
    lists: dict[float, tuple[list[float], list[float], list[float]]] = {}
    for latency_ms in (0.0, ctx.plan.hub_latency_ms):
        transport.latency_s = latency_ms / 1000
        times: list[float] = []
        requests: list[float] = []
        floors: list[float] = []
        for _ in range(ctx.plan.reps):
            took, spent = await _list_once(router, sources, transport, channels)
            times.append(took)
            requests.append(spent)
            floors.append(await _floor(sources, transport))
        lists[latency_ms] = (times, requests, floors)
    polls = [await _polls(ctx, channels, rep) for rep in range(ctx.plan.reps)]

    def col(name: str) -> list[float]:
        return [p[name] for p in polls]

    requests = lists[0.0][1]
    figures: dict[str, Any] = {
        f"{channels} channels: hub requests per /hvr list": figure(
            requests,
            "requests",
            target=f"{LIST_REQUESTS} (channels, jobs)",
            met=statistics.median(requests) == LIST_REQUESTS,
            compare="cold snapshot; the login (once per 15 min) not counted",
            digits=0,
        ),
    }
    for latency_ms, (times, _, floors) in lists.items():
        floor = statistics.median(floors)
        ratio = statistics.median(times) / floor
        where = f"{latency_ms:g} ms a request" if latency_ms else "in process, no network"
        figures[f"{channels} channels, {where}: time to the rendered list"] = figure(
            [t * 1000 for t in times],
            "ms",
            target=f"≤ {TARGET_RATIO}× the floor" if latency_ms else None,
            met=ratio <= TARGET_RATIO if latency_ms else None,
            compare=f"floor (the hub serving the same 2 pages, asked at once) {floor * 1000:.0f} ms; "
            f"{ratio:.2f}× it",
            digits=1,
        )
        figures[f"{channels} channels, {where}: the hub's own page times (floor)"] = figure(
            [f * 1000 for f in floors], "ms", digits=1
        )
    figures[f"{channels} channels: hub requests per watcher poll, nothing new"] = figure(
        col("quiet_requests"),
        "requests",
        target=f"{LIST_REQUESTS}",
        met=statistics.median(col("quiet_requests")) == LIST_REQUESTS,
        digits=0,
    )
    figures[f"{channels} channels: hub requests per watcher poll, one job failed"] = figure(
        col("failure_requests"),
        "requests",
        compare="+ that channel's jobs and that job's log, for the alert's last error",
        target=f"{LIST_REQUESTS + 2}",
        met=statistics.median(col("failure_requests")) == LIST_REQUESTS + 2,
        digits=0,
    )
    ctx.log(", ".join(f"{k}: {v['median']}" for k, v in figures.items()))
    return {
        "title": "HVR hubs",
        "setup": {
            "channels": channels,
            "hub": "bot/simulator/hvr6 in this process over ASGI; then each request answered 50 ms later",
            "measured": "from the command entering the router to the rendered list, cold snapshot each run",
        },
        "figures": figures,
    }
