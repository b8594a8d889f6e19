"""Test doubles for alerts: a recording poster, a clock that follows the simulator's, and a harness that
wires the real AlertService and Watcher to a database and to the simulator through the real client."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from bot.blocks.message import Message
from bot.fivetran.client import FivetranClient
from bot.fivetran.errors import ConnectError
from bot.fivetran.retry import RetryPolicy
from bot.fivetran.transport import Transport
from bot.services.alerts import AlertService
from bot.services.flapping import FlapPolicy
from bot.services.posting import ChannelPoster, Posted, PostError
from bot.services.snapshot import AccountSnapshot, SnapshotCache
from bot.services.watcher import Suspicion, Watcher
from bot.simulator import ManualClock, Simulator, build_app
from bot.storage.alert_messages import AlertMessageRepo
from bot.storage.claims import EventClaimRepo
from bot.storage.db import Database
from bot.storage.subscriptions import SubscriptionRepo
from bot.storage.watch_state import WatchStateRepo

CHANNEL = "C0ALERTS"
OTHER = "C0OTHER"
USER = "U0ANA"


class StepClock:
    """Aware UTC datetimes that follow the simulator's ManualClock, so both sides agree on 'now'."""

    def __init__(self, sim_clock: ManualClock) -> None:
        self.sim_clock = sim_clock

    def __call__(self) -> datetime:
        return self.sim_clock.now()

    def advance(self, seconds: float) -> None:
        self.sim_clock.advance(seconds)


@dataclass
class Post:
    channel: str
    message: Message
    thread_ts: str | None
    ts: str


@dataclass
class FakePoster:
    """Records posts and updates; `refuse` holds channels the bot is not in."""

    posts: list[Post] = field(default_factory=list)
    updates: list[tuple[str, str, Message]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        if channel in self.refuse:
            raise PostError("not_in_channel")
        ts = f"1700000000.{next(self._ts):06d}"
        self.posts.append(Post(channel, message, thread_ts, ts))
        return Posted(channel, ts)

    async def update(self, channel: str, ts: str, message: Message) -> None:
        self.updates.append((channel, ts, message))

    def top_level(self, channel: str = CHANNEL) -> list[Post]:
        return [p for p in self.posts if p.channel == channel and p.thread_ts is None]


class Snapshots:
    """The real SnapshotCache, with a switch that makes Fivetran unreachable."""

    def __init__(self, cache: SnapshotCache) -> None:
        self.cache = cache
        self.down = False

    async def get(self, *, max_age: float | None = None) -> AccountSnapshot:
        if self.down:
            raise ConnectError("Fivetran is unreachable", operation="list_connections")
        return await self.cache.get(max_age=max_age)


async def _no_sleep(seconds: float) -> None:
    return None


def simulator_client(sim: Simulator, http: httpx.AsyncClient) -> FivetranClient:
    transport = Transport(
        http,
        api_key="demo",
        api_secret="demo",
        base_url="http://simulator",
        retry=RetryPolicy(max_attempts=1),
        sleep=_no_sleep,
    )
    return FivetranClient(transport)


@dataclass
class Harness:
    """One replica: its own database engine, cache, service and watcher; the poster may be shared."""

    database: Database
    sim: Simulator
    clock: StepClock
    poster: FakePoster
    snapshots: Snapshots
    service: AlertService
    watcher: Watcher
    subscriptions: SubscriptionRepo
    alert_messages: AlertMessageRepo

    async def poll(self) -> int:
        return (await self.watcher.poll_once()).announced


def build_replica(
    database: Database,
    sim: Simulator,
    clock: StepClock,
    http: httpx.AsyncClient,
    *,
    poster: FakePoster | None = None,
    holder: str | None = None,
    flapping: FlapPolicy | None = None,
    suspicion: Suspicion | None = None,
    slack: ChannelPoster | None = None,
) -> Harness:
    cache = SnapshotCache(simulator_client(sim, http), ttl=0.0, now=clock)
    snapshots = Snapshots(cache)
    subscriptions = SubscriptionRepo(database, clock=clock)
    alert_messages = AlertMessageRepo(database, clock=clock)
    poster = poster or FakePoster()
    service = AlertService(
        subscriptions=subscriptions,
        claims=EventClaimRepo(database, clock=clock),
        alert_messages=alert_messages,
        snapshots=snapshots,
        poster=slack or poster,
        now=clock,
        holder=holder,
        flapping=flapping,
    )
    watcher = Watcher(
        snapshots=snapshots,
        state=WatchStateRepo(database, clock=clock),
        handle=service.handle,
        interval=60,
        suspicion=suspicion,
    )
    return Harness(database, sim, clock, poster, snapshots, service, watcher, subscriptions, alert_messages)


@asynccontextmanager
async def simulator_http(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(sim))) as http:
        yield http


@asynccontextmanager
async def make_harness(database: Database, sim: Simulator, clock: StepClock) -> AsyncIterator[Harness]:
    async with simulator_http(sim) as http:
        yield build_replica(database, sim, clock, http)


def healthy_ids(sim: Simulator, n: int) -> list[str]:
    found = [c.id for c in sim.connections.values() if c.generated_health == "healthy" and not c.paused]
    assert len(found) >= n
    return found[:n]


def action_ids(message: Message) -> list[str]:
    return [
        element["action_id"].split(":")[0]
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def texts(messages: Sequence[Message]) -> list[str]:
    return [m.text for m in messages]


HOUR = timedelta(hours=1).total_seconds()
