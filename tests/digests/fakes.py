"""In-memory stand-ins for Fivetran, Slack posting and the clock, and a builder wiring the real
DigestService and DigestScheduler to them over a real database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.blocks.message import Message
from bot.fivetran.errors import ConnectError, FivetranError
from bot.fivetran.models import Connection, Group
from bot.scheduler.runner import DigestScheduler
from bot.services.digests import DigestService
from bot.services.posting import Posted, PostError
from bot.services.snapshot import SnapshotCache
from bot.storage.claims import ClaimRepo
from bot.storage.db import Database
from bot.storage.digest_state import DigestStateRepo
from bot.storage.fire_ledger import FireLedger
from bot.storage.subscriptions import SubscriptionRepo
from tests.blocks.factory import connection, group

# A winter Monday, 08:59 UTC (09:59 in Berlin).
START = datetime(2026, 3, 2, 8, 59, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.now.timestamp()

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeFivetran:
    """Answers the two calls a snapshot needs; `down` makes both fail like an unreachable API."""

    def __init__(
        self, connections: list[Connection] | None = None, groups: list[Group] | None = None
    ) -> None:
        self.connections = connections if connections is not None else [connection()]
        self.groups = groups if groups is not None else [group()]
        self.down: FivetranError | None = None
        self.connection_lists = 0

    async def list_groups(self) -> list[Group]:
        if self.down is not None:
            raise self.down
        return list(self.groups)

    async def list_connections(self, group_id: str | None = None) -> list[Connection]:
        self.connection_lists += 1
        if self.down is not None:
            raise self.down
        return list(self.connections)

    def fail(self) -> None:
        self.down = ConnectError("Could not connect to api.fivetran.com: connection refused")

    def set(self, *connections: Connection) -> None:
        self.connections = list(connections)


@dataclass
class Post:
    channel: str
    message: Message

    @property
    def text(self) -> str:
        return self.message.text

    def body(self) -> str:
        return repr(self.message.blocks)


class FakePoster:
    """Records posts; `refuse` makes Slack answer an error, `crash` raises something unexpected."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.refuse: str | None = None
        self.crash: Exception | None = None

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        if self.refuse:
            raise PostError(self.refuse)
        if self.crash is not None:
            raise self.crash
        self.posts.append(Post(channel, message))
        return Posted(channel, f"{len(self.posts)}.000")

    async def update(self, channel: str, ts: str, message: Message) -> None:
        raise AssertionError("digests never update a message")

    def in_channel(self, channel: str) -> list[Post]:
        return [p for p in self.posts if p.channel == channel]


@dataclass
class Replica:
    """One bot process: its own engine, repositories, cache, service and scheduler."""

    database: Database
    clock: FakeClock
    fivetran: FakeFivetran
    poster: FakePoster
    holder: str
    grace_s: float = 600.0
    lease_s: float = 120.0
    default_tz: str = "UTC"
    subs: SubscriptionRepo = field(init=False)
    claims: ClaimRepo = field(init=False)
    states: DigestStateRepo = field(init=False)
    cache: SnapshotCache = field(init=False)
    service: DigestService = field(init=False)
    scheduler: DigestScheduler = field(init=False)

    def __post_init__(self) -> None:
        self.subs = SubscriptionRepo(self.database, clock=self.clock)
        self.claims = ClaimRepo(self.database, clock=self.clock)
        self.states = DigestStateRepo(self.database)
        fivetran: Any = self.fivetran
        self.cache = SnapshotCache(fivetran, ttl=30.0, clock=self.clock.monotonic, now=self.clock)
        self.service = DigestService(
            self.subs,
            self.claims,
            self.states,
            self.cache,
            self.poster,
            default_tz=self.default_tz,
            holder=self.holder,
            now=self.clock,
            lease_s=self.lease_s,
        )
        self.scheduler = DigestScheduler(
            self.service,
            self.subs,
            FireLedger(self.database),
            grace_s=self.grace_s,
            batch_window_s=0.01,
            now=self.clock,
        )
