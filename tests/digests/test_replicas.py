"""Two replicas, each with its own engine, sharing one PostgreSQL database: every fire posts once."""

from __future__ import annotations

import asyncio
import shlex
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.commands.digest_commands import DigestAdd, parse_digest
from bot.services.digests.service import FireOutcome
from bot.storage.claims import ClaimRepo
from bot.storage.db import Database
from tests.digests.fakes import FakeFivetran, Replica, digest_clock, digest_poster

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def engines(postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    a, b = Database(postgres_url), Database(postgres_url)
    yield a, b
    await a.dispose()
    await b.dispose()


async def test_two_replicas_firing_every_subscription_together_post_each_fire_exactly_once(
    engines: tuple[Database, Database],
) -> None:
    clock = digest_clock()
    a = Replica(engines[0], clock, FakeFivetran(), digest_poster(), holder="replica-a")
    b = Replica(engines[1], clock, FakeFivetran(), digest_poster(), holder="replica-b")
    subs = []
    for i in range(6):
        cmd = parse_digest(shlex.split("add every 15m"), default_tz="UTC")
        assert isinstance(cmd, DigestAdd)
        subs.append((await (a if i % 2 else b).service.add(f"C{i}", "U1", cmd)).subscription)
    await asyncio.gather(a.scheduler.sync_jobs(), b.scheduler.sync_jobs())

    fires = 12
    for n in range(fires):
        clock.set(NINE + timedelta(minutes=15 * n, milliseconds=3))
        # each replica goes first in turn: on a loaded machine the one started first tends to win every
        # claim, and the last assertion is about the claim deciding, not about which task the loop ran first
        first, second = (a, b) if n % 2 else (b, a)
        results = await asyncio.gather(first.scheduler.fire_due(), second.scheduler.fire_due())
        outcomes = Counter(o for r in results for o in r.outcomes())
        assert outcomes[FireOutcome.POSTED] == len(subs)
        # The other replica either lost the claim or, when its ledger read came after the post, never
        # planned that fire at all; nothing else (a failure, a second post) is allowed.
        assert set(outcomes) <= {FireOutcome.POSTED, FireOutcome.SKIPPED_NOT_CLAIMED}

    posts = a.poster.posts + b.poster.posts
    assert len(posts) == fires * len(subs)
    assert Counter(p.channel for p in posts) == {f"C{i}": fires for i in range(len(subs))}
    # Both replicas did some of the work: the claim, not a leader, decides.
    assert a.poster.posts and b.poster.posts


async def test_a_replica_killed_after_claiming_is_taken_over_by_the_other_after_the_lease(
    engines: tuple[Database, Database],
) -> None:
    clock = digest_clock()
    b = Replica(engines[1], clock, FakeFivetran(), digest_poster(), holder="replica-b")
    cmd = parse_digest(shlex.split("add hourly"), default_tz="UTC")
    assert isinstance(cmd, DigestAdd)
    sub = (await b.service.add("C1", "U1", cmd)).subscription
    await b.scheduler.sync_jobs()

    clock.set(NINE)
    # Replica A claims through its own engine and dies before posting.
    assert await ClaimRepo(engines[0], clock=clock).try_claim(sub.id, NINE, "replica-a", lease_s=120)
    assert (await b.scheduler.fire_due()).fired == []

    clock.set(NINE + timedelta(seconds=125))
    assert (await b.scheduler.fire_due()).outcomes() == [FireOutcome.POSTED]
    clock.advance(60)
    assert (await b.scheduler.fire_due()).fired == []
    assert len(b.poster.posts) == 1
    claim = await b.claims.get(sub.id, NINE)
    assert claim is not None and claim.holder == "replica-b" and claim.outcome == "posted"
