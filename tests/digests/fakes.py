"""An in-memory stand-in for Fivetran and a builder wiring the real DigestService and DigestScheduler to it,
the shared fake clock and poster, and a real database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.fivetran.errors import ConnectError, FivetranError
from bot.fivetran.models import Connection, Group
from bot.scheduler.runner import DigestScheduler
from bot.services.digests.service import DigestService
from bot.services.pipelines.snapshot import SnapshotCache
from bot.storage.claims import ClaimRepo
from bot.storage.db import Database
from bot.storage.digest_state import DigestStateRepo
from bot.storage.fire_ledger import FireLedger
from bot.storage.subscriptions import SubscriptionRepo
from tests.blocks.factory import connection, group
from tests.fakes import FakeClock, FakePoster

# A winter Monday, 08:59 UTC (09:59 in Berlin).
START = datetime(2026, 3, 2, 8, 59, tzinfo=UTC)


def digest_clock() -> FakeClock:
    return FakeClock(START)


def digest_poster() -> FakePoster:
    """Digests post and never update: an update is a test failure."""
    return FakePoster(may_update=False)


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
    # Digests written in the database's transactions (`unit`), as `serve` writes them to the outbox.
    transactional: bool = False
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
        self.cache = SnapshotCache(fivetran, ttl=30.0, clock=self.clock.timestamp, now=self.clock)
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
            unit=self.database.unit if self.transactional else None,
        )
        self.scheduler = DigestScheduler(
            self.service,
            self.subs,
            FireLedger(self.database),
            grace_s=self.grace_s,
            batch_window_s=0.01,
            now=self.clock,
        )
