"""A harness that wires the real AlertService and Watcher to a database, the shared fake poster and clock,
and the simulator (running on that same clock) through the real client; and, for the watcher alone, a
snapshot source that hands back the very objects a test gives it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx

from bot.blocks.message import Message
from bot.fivetran.client import FivetranClient
from bot.fivetran.errors import ConnectError
from bot.fivetran.models import Connection
from bot.fivetran.retry import RetryPolicy
from bot.fivetran.transport import Transport
from bot.services.alerts.events import AlertEvent
from bot.services.alerts.flapping import FlapPolicy
from bot.services.alerts.incidents import IncidentService
from bot.services.alerts.service import AlertService
from bot.services.alerts.watcher import Suspicion, Watcher
from bot.services.pipelines.health import Health
from bot.services.pipelines.snapshot import AccountSnapshot, SnapshotCache
from bot.services.runtime.posting import ChannelPoster
from bot.simulator import Simulator, build_app
from bot.storage.alert_messages import AlertMessageRepo
from bot.storage.claims import EventClaimRepo
from bot.storage.db import Database
from bot.storage.snoozes import SnoozeRepo
from bot.storage.subscriptions import SubscriptionRepo
from bot.storage.watch_state import WatchStateRepo
from tests.blocks.factory import NOW, connection
from tests.fakes import FakeClock, FakePoster, FakeSleep

CHANNEL = "C0ALERTS"
OTHER = "C0OTHER"
USER = "U0ANA"


class Snapshots:
    """The real SnapshotCache, with a switch that makes Fivetran unreachable."""

    def __init__(self, cache: SnapshotCache) -> None:
        self.cache = cache
        self.down = False

    async def get(self, *, max_age: float | None = None) -> AccountSnapshot:
        if self.down:
            raise ConnectError("Fivetran is unreachable", operation="list_connections")
        return await self.cache.get(max_age=max_age)

    def peek(self) -> AccountSnapshot | None:
        return self.cache.peek()  # memory: there even while Fivetran is down


def simulator_client(sim: Simulator, http: httpx.AsyncClient) -> FivetranClient:
    transport = Transport(
        http,
        api_key="demo",
        api_secret="demo",
        base_url="http://simulator",
        retry=RetryPolicy(max_attempts=1),
        sleep=FakeSleep(),
    )
    return FivetranClient(transport)


@dataclass
class Harness:
    """One replica: its own database engine, cache, service and watcher; the poster may be shared."""

    database: Database
    sim: Simulator
    clock: FakeClock
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
    clock: FakeClock,
    http: httpx.AsyncClient,
    *,
    poster: FakePoster | None = None,
    holder: str | None = None,
    flapping: FlapPolicy | None = None,
    suspicion: Suspicion | None = None,
    slack: ChannelPoster | None = None,
    renotify: timedelta | None = None,
) -> Harness:
    cache = SnapshotCache(simulator_client(sim, http), ttl=0.0, now=clock)
    snapshots = Snapshots(cache)
    subscriptions = SubscriptionRepo(database, clock=clock)
    alert_messages = AlertMessageRepo(database, clock=clock)
    poster = poster or FakePoster()
    claims = EventClaimRepo(database, clock=clock)
    incidents = IncidentService(
        alert_messages=alert_messages,
        snoozes=SnoozeRepo(database, clock=clock),
        claims=claims,
        snapshots=snapshots,
        poster=slack or poster,
        renotify=renotify,
        now=clock,
        holder=holder,
    )
    service = AlertService(
        subscriptions=subscriptions,
        claims=claims,
        alert_messages=alert_messages,
        snapshots=snapshots,
        poster=slack or poster,
        incidents=incidents,
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
async def make_harness(database: Database, sim: Simulator, clock: FakeClock) -> AsyncIterator[Harness]:
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


class FixedSnapshots:
    """A snapshot source that hands back whatever snapshot the test set, the very same object."""

    def __init__(self, snapshot: AccountSnapshot) -> None:
        self.snapshot = snapshot

    async def get(self, *, max_age: float | None = None) -> AccountSnapshot:
        return self.snapshot


def snapshot(*connections: Connection, health: dict[str, Health] | None = None) -> AccountSnapshot:
    return AccountSnapshot({}, {c.id: c for c in connections}, NOW, health or {})


def many(n: int) -> list[Connection]:
    return [connection(id=f"c{i}", schema=f"s{i}") for i in range(n)]


class Replica:
    """One replica's watcher over the shared database, with what it was told."""

    def __init__(self, database: Database, clock: FakeClock, *connections: Connection) -> None:
        self.snapshots = FixedSnapshots(snapshot(*connections))
        self.told: list[AlertEvent] = []
        self.state = WatchStateRepo(database, clock=clock)
        self.watcher = Watcher(
            snapshots=self.snapshots,
            state=self.state,
            handle=self._handle,
            interval=0,
            now=clock,
        )

    async def _handle(self, event: AlertEvent) -> bool:
        self.told.append(event)
        return True

    def show(self, *connections: Connection) -> None:
        self.snapshots.snapshot = snapshot(*connections)
