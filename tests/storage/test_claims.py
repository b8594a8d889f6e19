from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.storage.claims import ClaimRepo, EventClaimRepo
from bot.storage.db import Database
from bot.storage.subscriptions import SubscriptionRepo
from tests.fakes import FakeClock

FIRE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
async def subscription_id(database: Database) -> str:
    sub = await SubscriptionRepo(database).add(
        kind="digest", channel_id="C1", created_by="U1", timezone="UTC", schedule="hourly"
    )
    return sub.id


async def test_first_claim_wins_and_a_second_holder_is_refused(
    database: Database, subscription_id: str
) -> None:
    clock = FakeClock()
    a, b = ClaimRepo(database, clock=clock), ClaimRepo(database, clock=clock)

    assert await a.try_claim(subscription_id, FIRE, "replica-a", lease_s=60)
    assert not await b.try_claim(subscription_id, FIRE, "replica-b", lease_s=60)
    assert not await a.try_claim(subscription_id, FIRE, "replica-a", lease_s=60)
    claim = await a.get(subscription_id, FIRE)
    assert claim is not None and claim.holder == "replica-a"


async def test_the_same_instant_in_another_zone_is_the_same_fire(
    database: Database, subscription_id: str
) -> None:
    repo = ClaimRepo(database, clock=FakeClock())
    berlin = FIRE.astimezone(ZoneInfo("Europe/Berlin"))
    assert await repo.try_claim(subscription_id, FIRE, "a", lease_s=60)
    assert not await repo.try_claim(subscription_id, berlin, "b", lease_s=60)


async def test_an_expired_unfinished_claim_is_taken_over_once(
    database: Database, subscription_id: str
) -> None:
    clock = FakeClock()
    repo = ClaimRepo(database, clock=clock)
    assert await repo.try_claim(subscription_id, FIRE, "dead", lease_s=30)

    clock.advance(29)
    assert not await repo.try_claim(subscription_id, FIRE, "b", lease_s=30)
    clock.advance(1)
    assert await repo.try_claim(subscription_id, FIRE, "b", lease_s=30)
    assert not await repo.try_claim(subscription_id, FIRE, "c", lease_s=30)

    # The dead holder woke up: it no longer holds the claim, so it cannot complete it.
    assert not await repo.complete(subscription_id, FIRE, "dead", "posted")
    assert await repo.complete(subscription_id, FIRE, "b", "posted")


async def test_a_completed_claim_is_never_taken_over(database: Database, subscription_id: str) -> None:
    clock = FakeClock()
    repo = ClaimRepo(database, clock=clock)
    assert await repo.try_claim(subscription_id, FIRE, "a", lease_s=30)
    assert await repo.complete(subscription_id, FIRE, "a", "posted")

    clock.advance(3600)
    assert not await repo.try_claim(subscription_id, FIRE, "b", lease_s=30)
    claim = await repo.get(subscription_id, FIRE)
    assert claim is not None
    assert (claim.holder, claim.outcome, claim.done_at) == (
        "a",
        "posted",
        clock() - timedelta(seconds=3600),
    )
    assert not await repo.complete(subscription_id, FIRE, "a", "again")


async def test_release_held_by_frees_only_the_unfinished_claims_of_that_holder(
    database: Database, subscription_id: str
) -> None:
    repo = ClaimRepo(database, clock=FakeClock())
    later = FIRE + timedelta(hours=1)
    other = FIRE + timedelta(hours=2)
    assert await repo.try_claim(subscription_id, FIRE, "a", lease_s=600)
    assert await repo.complete(subscription_id, FIRE, "a", "posted")
    assert await repo.try_claim(subscription_id, later, "a", lease_s=600)
    assert await repo.try_claim(subscription_id, other, "b", lease_s=600)

    assert await repo.release_held_by("a") == 1

    assert await repo.try_claim(subscription_id, later, "c", lease_s=600)
    assert not await repo.try_claim(subscription_id, FIRE, "c", lease_s=600)
    assert not await repo.try_claim(subscription_id, other, "c", lease_s=600)


async def test_event_claims_follow_the_same_rules(database: Database) -> None:
    clock = FakeClock()
    repo = EventClaimRepo(database, clock=clock)
    key = "webhook:sync-1:sync_end"
    assert await repo.try_claim(key, "a", lease_s=10)
    assert not await repo.try_claim(key, "b", lease_s=10)
    clock.advance(10)
    assert await repo.try_claim(key, "b", lease_s=10)
    assert await repo.complete(key, "b")
    clock.advance(100)
    assert not await repo.try_claim(key, "c", lease_s=10)
    assert await repo.purge_done_before(clock()) == 1
    assert await repo.get(key) is None


@pytest.fixture
async def two_processes(postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two engines on one PostgreSQL database: two replicas, each with its own pool."""
    first, second = Database(postgres_url), Database(postgres_url)
    yield first, second
    await first.dispose()
    await second.dispose()


async def test_concurrent_claims_from_two_engines_have_exactly_one_winner_per_fire(
    two_processes: tuple[Database, Database],
) -> None:
    first, second = two_processes
    sub = await SubscriptionRepo(first).add(kind="digest", channel_id="C1", created_by="U1", timezone="UTC")
    repos = [ClaimRepo(first), ClaimRepo(first), ClaimRepo(second), ClaimRepo(second)]
    fires = [FIRE + timedelta(minutes=5 * i) for i in range(25)]

    outcomes = await asyncio.gather(
        *(
            repo.try_claim(sub.id, fire, f"holder-{n}", lease_s=60)
            for fire in fires
            for n, repo in enumerate(repos)
        )
    )

    per_fire = [outcomes[i * len(repos) : (i + 1) * len(repos)] for i in range(len(fires))]
    assert all(sum(results) == 1 for results in per_fire)


async def test_concurrent_takeovers_of_an_expired_claim_have_exactly_one_winner(
    two_processes: tuple[Database, Database],
) -> None:
    first, second = two_processes
    clock = FakeClock()
    sub = await SubscriptionRepo(first).add(kind="digest", channel_id="C1", created_by="U1", timezone="UTC")
    fires = [FIRE + timedelta(minutes=5 * i) for i in range(10)]
    for fire in fires:
        assert await ClaimRepo(first, clock=clock).try_claim(sub.id, fire, "dead", lease_s=30)
    clock.advance(31)
    repos = [ClaimRepo(db, clock=clock) for db in (first, second, first, second)]

    outcomes = await asyncio.gather(
        *(
            repo.try_claim(sub.id, fire, f"taker-{n}", lease_s=30)
            for fire in fires
            for n, repo in enumerate(repos)
        )
    )

    per_fire = [outcomes[i * len(repos) : (i + 1) * len(repos)] for i in range(len(fires))]
    assert all(sum(results) == 1 for results in per_fire)


async def _subscriptions(database: Database, n: int) -> list[str]:
    repo = SubscriptionRepo(database)
    subs = [
        await repo.add(kind="digest", channel_id=f"C{i}", created_by="U1", timezone="UTC", schedule="hourly")
        for i in range(n)
    ]
    return [s.id for s in subs]


async def test_claiming_many_at_once_follows_the_rule_of_each_claim_in_turn(database: Database) -> None:
    clock = FakeClock()
    repo = ClaimRepo(database, clock=clock)
    new, live, expired, done = await _subscriptions(database, 4)
    assert await repo.try_claim(live, FIRE, "other", lease_s=600)
    assert await repo.try_claim(expired, FIRE, "dead", lease_s=30)
    assert await repo.try_claim(done, FIRE, "dead", lease_s=30)
    assert await repo.complete(done, FIRE, "dead", "posted")
    clock.advance(31)

    asked = [(new, FIRE), (live, FIRE), (expired, FIRE), (done, FIRE), (new, FIRE)]
    won = await repo.try_claim_many(asked, "me", lease_s=60)

    # the first claim, the taken-over one; not the live one, not a done one, and a key asked twice once
    assert won == [True, False, True, False, False]
    holders = {s: (await repo.get(s, FIRE)) for s in (new, live, expired, done)}
    assert {s: c.holder if c else None for s, c in holders.items()} == {
        new: "me",
        live: "other",
        expired: "me",
        done: "dead",
    }


async def test_completing_many_completes_only_the_claims_still_held(database: Database) -> None:
    clock = FakeClock()
    repo = ClaimRepo(database, clock=clock)
    ours, refused, lost = await _subscriptions(database, 3)
    assert (
        await repo.try_claim_many([(s, FIRE) for s in (ours, refused, lost)], "me", lease_s=30) == [True] * 3
    )
    clock.advance(31)
    assert await repo.try_claim(lost, FIRE, "taker", lease_s=60)  # our lease ran out: taken over

    berlin = FIRE.astimezone(ZoneInfo("Europe/Berlin"))  # the same instant, another zone
    fires = [(ours, FIRE, "posted"), (refused, berlin, "failed: not_in_channel"), (lost, FIRE, "posted")]
    done = await repo.complete_many(fires, "me")

    assert done == {(ours, FIRE), (refused, FIRE)}
    outcomes = [(await repo.get(s, FIRE)) for s in (ours, refused, lost)]
    assert [(c.outcome, c.done_at is not None) if c else None for c in outcomes] == [
        ("posted", True),
        ("failed: not_in_channel", True),
        (None, False),
    ]
    assert await repo.complete_many(fires, "me") == set()  # done already: nothing completes twice
