"""Firing digests against a real database (SQLite and PostgreSQL), with a fake clock, Fivetran and Slack."""

from __future__ import annotations

import asyncio
import logging
import shlex
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.commands.digest_commands import DigestAdd, parse_digest
from bot.services.digests.service import FireOutcome
from bot.services.pipelines.selectors import Selector
from bot.storage.db import Database
from bot.storage.subscriptions import Subscription
from tests.blocks.factory import connection, group
from tests.digests.fakes import FakeFivetran, Replica, digest_clock, digest_poster
from tests.fakes import FakeClock

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAILING = {
    "failed_at": (NINE - timedelta(hours=1)).isoformat(),
    "succeeded_at": (NINE - timedelta(hours=3)).isoformat(),
}


@pytest.fixture
def clock() -> FakeClock:
    return digest_clock()


@pytest.fixture
async def replica(database: Database, clock: FakeClock) -> AsyncIterator[Replica]:
    made = Replica(database, clock, FakeFivetran(), digest_poster(), holder="replica-a")
    yield made
    # A fire a timer started may still be writing when its posts are in: stopped (drained) here, before
    # the database and the test's loop close under it (aiosqlite's thread would answer a closed loop).
    await made.scheduler.stop()


async def add(replica: Replica, text: str, channel: str = "C1") -> Subscription:
    cmd = parse_digest(["add", *shlex.split(text)], default_tz=replica.default_tz)
    assert isinstance(cmd, DigestAdd)
    return (await replica.service.add(channel, "U1", cmd)).subscription


async def test_a_due_fire_is_claimed_posted_and_marked_done_exactly_once(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly")
    await replica.scheduler.sync_jobs()
    assert replica.scheduler.job_ids() == {sub.id}

    clock.set(NINE + timedelta(milliseconds=200))
    result = await replica.scheduler.fire_due()
    assert result.fired == [((sub.id, NINE), FireOutcome.POSTED)]
    assert [p.channel for p in replica.poster.posts] == ["C1"]
    claim = await replica.claims.get(sub.id, NINE)
    assert claim is not None and claim.holder == "replica-a" and claim.outcome == "posted"

    clock.advance(30)
    assert (await replica.scheduler.fire_due()).fired == []
    assert await replica.service.fire(sub.id, NINE) is FireOutcome.SKIPPED_NOT_CLAIMED
    assert len(replica.poster.posts) == 1


async def test_a_fire_claimed_by_a_holder_that_died_is_taken_over_after_its_lease(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly")
    await replica.scheduler.sync_jobs()
    clock.set(NINE)
    # Replica "dead" claimed the 09:00 fire and was killed before posting.
    assert await replica.claims.try_claim(sub.id, NINE, "dead", lease_s=120)

    clock.set(NINE + timedelta(seconds=119))
    assert (await replica.scheduler.fire_due()).fired == []
    assert replica.poster.posts == []

    clock.set(NINE + timedelta(seconds=121))
    assert (await replica.scheduler.fire_due()).outcomes() == [FireOutcome.POSTED]
    claim = await replica.claims.get(sub.id, NINE)
    assert claim is not None and claim.holder == "replica-a" and claim.done_at is not None
    assert len(replica.poster.posts) == 1


async def test_a_fire_missed_by_less_than_the_grace_window_still_posts(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly")
    await replica.scheduler.sync_jobs()
    clock.set(NINE + timedelta(minutes=9, seconds=59))
    assert (await replica.scheduler.fire_due()).fired == [((sub.id, NINE), FireOutcome.POSTED)]


async def test_a_fire_missed_by_more_than_the_grace_window_is_skipped_and_logged(
    replica: Replica, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    sub = await add(replica, "hourly")
    await replica.scheduler.sync_jobs()
    clock.set(NINE + timedelta(minutes=10, seconds=1))
    with caplog.at_level(logging.WARNING, logger="bot.scheduler.runner"):
        result = await replica.scheduler.fire_due()
    assert result.fired == [] and result.late == [(sub.id, NINE)]
    assert replica.poster.posts == []
    assert "missed by 0:10:01" in caplog.text and sub.id in caplog.text


async def test_a_digest_added_after_a_fire_time_does_not_owe_that_fire(
    replica: Replica, clock: FakeClock
) -> None:
    clock.set(NINE + timedelta(minutes=2))
    await add(replica, "hourly")
    await replica.scheduler.sync_jobs()
    result = await replica.scheduler.fire_due(lookback=timedelta(hours=24))
    assert result.fired == [] and result.late == []


async def test_a_removed_subscription_stops_firing_even_before_the_jobs_are_reloaded(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly")
    await replica.scheduler.sync_jobs()
    assert await replica.service.remove(sub.id.upper(), "C1")
    assert not await replica.service.remove(sub.id, "C1")

    clock.set(NINE)
    assert (await replica.scheduler.fire_due()).outcomes() == [FireOutcome.SKIPPED_INACTIVE]
    await replica.scheduler.poll_once()
    assert replica.scheduler.job_ids() == set()
    assert (await replica.scheduler.fire_due()).fired == []
    assert replica.poster.posts == []


async def test_only_problems_skips_an_all_healthy_digest_but_posts_when_something_breaks(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly only:problems")
    await replica.scheduler.sync_jobs()
    clock.set(NINE)
    assert (await replica.scheduler.fire_due()).outcomes() == [FireOutcome.SKIPPED_ALL_HEALTHY]
    assert replica.poster.posts == []
    claim = await replica.claims.get(sub.id, NINE)
    assert claim is not None and claim.outcome == "skipped-all-healthy"

    replica.fivetran.set(connection(id="a", schema="orders_db", **FAILING))
    clock.set(NINE + timedelta(hours=1))
    assert (await replica.scheduler.fire_due()).outcomes() == [FireOutcome.POSTED]
    assert "1 failing" in replica.poster.posts[0].text


async def test_the_second_digest_says_what_changed_since_the_first(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly")
    await replica.scheduler.sync_jobs()
    replica.fivetran.set(
        connection(id="a", schema="orders_db", **FAILING), connection(id="b", schema="billing")
    )
    clock.set(NINE)
    await replica.scheduler.fire_due()
    assert "Since the previous digest" not in replica.poster.posts[0].body()
    state = await replica.states.get(sub.id)
    assert state is not None and state.last_problems == {"a": "failing"}

    replica.fivetran.set(
        connection(id="a", schema="orders_db"), connection(id="b", schema="billing", **FAILING)
    )
    clock.set(NINE + timedelta(hours=1))
    await replica.scheduler.fire_due()
    second = replica.poster.posts[1].body()
    assert "1 new problem: *billing* (failing)" in second
    assert "1 recovered: *orders_db* (was failing)" in second


async def test_a_fivetran_outage_posts_that_the_data_could_not_be_fetched_and_counts_as_the_fire(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly")
    await replica.scheduler.sync_jobs()
    replica.fivetran.fail()
    clock.set(NINE)
    assert (await replica.scheduler.fire_due()).outcomes() == [FireOutcome.POSTED_UNAVAILABLE]
    post = replica.poster.posts[0]
    assert (
        "could not be fetched from Fivetran at <!date^1772442000^{date_short_pretty} {time}|Mon 02 Mar 09:00 UTC>"
        in post.text
    )
    assert "connection refused" in post.body()
    claim = await replica.claims.get(sub.id, NINE)
    assert claim is not None and claim.done_at is not None
    assert await replica.states.get(sub.id) is None  # the next real digest compares with real data

    clock.advance(60)
    assert (await replica.scheduler.fire_due()).fired == []


async def test_a_post_slack_refuses_is_recorded_as_failed_and_not_retried(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly")
    await replica.scheduler.sync_jobs()
    replica.poster.refuse_all = "channel_not_found"
    clock.set(NINE)
    assert (await replica.scheduler.fire_due()).outcomes() == [FireOutcome.FAILED]
    claim = await replica.claims.get(sub.id, NINE)
    assert claim is not None and claim.outcome == "failed: channel_not_found"
    clock.advance(300)
    assert (await replica.scheduler.fire_due()).fired == []


async def test_a_post_that_fails_unexpectedly_is_retried_after_the_lease_within_the_grace_window(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly")
    await replica.scheduler.sync_jobs()
    replica.poster.crash = ConnectionResetError("reset by peer")
    clock.set(NINE)
    assert (await replica.scheduler.fire_due()).outcomes() == [FireOutcome.FAILED]
    claim = await replica.claims.get(sub.id, NINE)
    assert claim is not None and claim.done_at is None

    replica.poster.crash = None
    clock.set(NINE + timedelta(minutes=3))
    assert (await replica.scheduler.fire_due()).outcomes() == [FireOutcome.POSTED]
    assert len(replica.poster.posts) == 1


async def test_two_hundred_digests_due_at_once_share_one_snapshot_fetch(
    replica: Replica, clock: FakeClock
) -> None:
    for i in range(200):
        # Straight into the table: the command path is covered elsewhere and 200 of them are slow.
        await replica.subs.add(
            kind="digest", channel_id=f"C{i:03d}", created_by="U1", timezone="UTC", schedule="every 15m"
        )
    await replica.scheduler.sync_jobs()
    clock.set(NINE)
    outcomes = (await replica.scheduler.fire_due()).outcomes()
    assert outcomes == [FireOutcome.POSTED] * 200
    assert replica.cache.fetches == 1 and replica.fivetran.connection_lists == 1
    assert len({p.channel for p in replica.poster.posts}) == 200


async def posts_reach(replica: Replica, count: int) -> None:
    for _ in range(200):
        if len(replica.poster.posts) == count:
            break
        await asyncio.sleep(0.01)
    assert len(replica.poster.posts) == count


async def test_timers_going_off_together_are_batched_into_one_look(
    replica: Replica, clock: FakeClock
) -> None:
    subs = [await add(replica, "every 15m", channel=f"C{i}") for i in range(20)]
    await replica.scheduler.sync_jobs()
    clock.set(NINE + timedelta(milliseconds=5))
    for sub in subs:
        await replica.scheduler.timer_fired(sub.id)
    await posts_reach(replica, 20)
    assert replica.cache.fetches == 1


async def test_a_batch_goes_as_soon_as_every_timer_due_with_it_has_gone_off(
    replica: Replica, clock: FakeClock
) -> None:
    subs = [await add(replica, "every 15m", channel=f"C{i}") for i in range(20)]
    await add(replica, "daily 10:00", channel="CLATER")  # not due at 09:00: not waited for
    await replica.scheduler.sync_jobs()
    replica.scheduler.batch_window_s = 60.0  # a test would time out waiting for it
    clock.set(NINE + timedelta(milliseconds=5))
    for sub in subs[:-1]:
        await replica.scheduler.timer_fired(sub.id)
    await asyncio.sleep(0.05)
    assert replica.poster.posts == []  # one due timer has not gone off: the window still holds the batch
    await replica.scheduler.timer_fired(subs[-1].id)
    await posts_reach(replica, 20)
    assert replica.cache.fetches == 1


async def test_next_fires_follow_daylight_saving_time_in_the_subscriptions_zone(
    replica: Replica, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    cmd = parse_digest(shlex.split("add daily 09:00 tz:Europe/Berlin"), default_tz="UTC")
    assert isinstance(cmd, DigestAdd)
    added = await replica.service.add("C1", "U1", cmd)
    assert [t.astimezone(UTC).hour for t in added.next_fires] == [8, 8, 8]
    assert added.next_fires[0].tzinfo is not None and str(added.next_fires[0].tzinfo) == "Europe/Berlin"

    clock.set(datetime(2026, 7, 15, 12, 0, tzinfo=UTC))
    [(sub, next_fire)] = await replica.service.list("C1")
    assert sub.id == added.subscription.id
    assert next_fire == datetime(2026, 7, 16, 7, 0, tzinfo=UTC)

    # Across the March change: the last winter fire at 08:00Z, the first summer one at 07:00Z.
    clock.set(datetime(2026, 3, 28, 8, 30, tzinfo=UTC))
    [(_, next_fire)] = await replica.service.list("C1")
    assert next_fire == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


async def test_a_selector_is_stored_as_its_text_and_a_fire_covers_only_what_it_selects(
    replica: Replica, clock: FakeClock
) -> None:
    replica.fivetran.groups = [group("stage_id", "BigQuery Staging"), group()]
    replica.fivetran.set(
        connection(id="a", schema="staged_orders", group_id="stage_id", **FAILING),
        connection(id="b", schema="warehouse_orders", **FAILING),
    )
    sub = await add(replica, 'hourly "group:BigQuery Staging" status:failing')
    assert sub.selector == "'group:BigQuery Staging' status:failing"
    assert sub.options == {"only_problems": False}  # no second copy of the selector

    assert await replica.service.fire(sub.id, NINE) is FireOutcome.POSTED
    body = replica.poster.posts[-1].body()
    assert "staged_orders" in body and "warehouse_orders" not in body


async def test_a_digest_whose_selector_this_version_cannot_read_is_not_posted(
    replica: Replica, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    sub = await replica.subs.add(
        kind="digest",
        channel_id="C1",
        created_by="U1",
        timezone="UTC",
        schedule="hourly",
        selector="status:gone",
    )
    with caplog.at_level(logging.WARNING):
        assert await replica.service.fire(sub.id, NINE) is FireOutcome.FAILED
    assert replica.poster.posts == []  # never "every connector" in its place
    claim = await replica.claims.get(sub.id, NINE)
    assert claim is not None and claim.outcome == "failed: unreadable selector"
    assert "unreadable selector 'status:gone'" in caplog.text


async def test_a_channel_list_shows_only_its_own_digests(replica: Replica) -> None:
    mine = await add(replica, "hourly", channel="C1")
    await add(replica, "hourly", channel="C2")
    assert [s.id for s, _ in await replica.service.list("C1")] == [mine.id]
    assert not await replica.service.remove(mine.id, "C2")


async def test_digest_now_previews_without_claiming_or_touching_the_history(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly")
    replica.fivetran.set(connection(id="a", schema="orders_db", **FAILING))
    message = await replica.service.preview("C1", Selector())
    assert "1 failing" in message.text
    assert await replica.states.get(sub.id) is None
    assert replica.poster.posts == []

    replica.fivetran.fail()
    replica.cache.invalidate()
    assert "could not be fetched" in (await replica.service.preview("C1", Selector())).text


async def test_stopping_releases_the_claims_this_holder_has_not_finished(
    replica: Replica, clock: FakeClock
) -> None:
    sub = await add(replica, "hourly")
    assert await replica.claims.try_claim(sub.id, NINE, "replica-a", lease_s=120)
    assert await replica.claims.try_claim(sub.id, NINE + timedelta(hours=1), "replica-b", lease_s=120)
    await replica.scheduler.stop()
    assert await replica.claims.get(sub.id, NINE) is None
    assert await replica.claims.get(sub.id, NINE + timedelta(hours=1)) is not None


async def test_a_started_scheduler_catches_up_on_a_fire_missed_while_it_was_down(
    replica: Replica, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    sub = await add(replica, "hourly")
    clock.set(NINE + timedelta(minutes=5))
    caught_up = "digest catch-up after start: 1 fired, 0 missed beyond the grace window"
    with caplog.at_level(logging.INFO, logger="bot.scheduler.runner"):
        await replica.scheduler.start()
        try:
            # APScheduler took the job with the schedule's own trigger and knows when it next goes off.
            [job] = replica.scheduler._timer.get_jobs()
            assert job.id == sub.id and job.next_run_time is not None and job.next_run_time.minute == 0
            # the line a restart is watched for (tests/ops, tests/resilience): said once the look is over
            for _ in range(1000):
                if caught_up in caplog.text:
                    break
                await asyncio.sleep(0.01)
        finally:
            await replica.scheduler.stop(drain_s=1.0)
    assert caught_up in caplog.text
    assert len(replica.poster.posts) == 1
    claim = await replica.claims.get(sub.id, NINE)
    assert claim is not None and claim.outcome == "posted"


async def test_a_subscription_added_through_another_replica_is_scheduled_after_a_poll(
    database: Database, clock: FakeClock
) -> None:
    other_db = Database(database.url)
    try:
        a = Replica(database, clock, FakeFivetran(), digest_poster(), holder="a")
        b = Replica(other_db, clock, FakeFivetran(), digest_poster(), holder="b")
        await a.scheduler.sync_jobs()
        sub = await add(b, "weekdays 09:00")
        await a.scheduler.poll_once()
        assert a.scheduler.job_ids() == {sub.id}
        await b.service.remove(sub.id, "C1")
        await a.scheduler.poll_once()
        assert a.scheduler.job_ids() == set()
    finally:
        await other_db.dispose()


async def test_a_snapshot_builds_each_distinct_digest_once(replica: Replica) -> None:
    replica.fivetran.set(connection(id="a"))
    snapshot = await replica.cache.get()
    everything, previous = Selector(), {"a": "failing"}

    first = replica.service.content(snapshot, everything, previous, False)
    assert replica.service.content(snapshot, everything, previous, False) is first
    # Previous problems are told apart by identity (the repository shares equal ones): an equal copy
    # builds again, to the same content.
    copy = replica.service.content(snapshot, everything, dict(previous), False)
    assert copy is not first and copy == first
    assert replica.service.content(snapshot, everything, None, False) is not first
    assert replica.service.content(snapshot, everything, previous, True) is not first
    fresher = snapshot.with_connection(snapshot.connections["a"])
    assert replica.service.content(fresher, everything, previous, False) is not first


@pytest.fixture
def in_units(database: Database, clock: FakeClock) -> Replica:
    return Replica(database, clock, FakeFivetran(), digest_poster(), holder="replica-a", transactional=True)


async def test_digests_written_in_transactions_keep_post_state_and_claim_together(
    in_units: Replica, clock: FakeClock
) -> None:
    in_units.fivetran.set(connection(id="a", **FAILING))
    subs = [await add(in_units, "hourly", channel) for channel in ("C1", "C2", "C1")]
    in_units.poster.refuse = {"C2"}
    await in_units.scheduler.sync_jobs()
    clock.set(NINE)

    outcomes = dict((await in_units.scheduler.fire_due()).fired)

    assert [outcomes[(s.id, NINE)] for s in subs] == [
        FireOutcome.POSTED,
        FireOutcome.FAILED,
        FireOutcome.POSTED,
    ]
    assert [p.channel for p in in_units.poster.posts] == ["C1", "C1"]
    claims = [await in_units.claims.get(s.id, NINE) for s in subs]
    assert [c.outcome if c else None for c in claims] == ["posted", "failed: not_in_channel", "posted"]
    states = await in_units.states.get_many(s.id for s in subs)
    assert sorted(states) == sorted([subs[0].id, subs[2].id])  # the refused digest keeps no state
    assert states[subs[0].id].last_problems == {"a": "failing"}


async def test_a_failure_while_writing_digests_in_a_transaction_leaves_their_claims_open(
    in_units: Replica, clock: FakeClock
) -> None:
    subs = [await add(in_units, "hourly", channel) for channel in ("C1", "C2")]
    in_units.poster.crash = RuntimeError("the database went away")
    await in_units.scheduler.sync_jobs()
    clock.set(NINE)

    outcomes = dict((await in_units.scheduler.fire_due()).fired)

    assert set(outcomes.values()) == {FireOutcome.FAILED}
    for sub in subs:  # rolled back: open, to be taken over after the lease and posted then
        claim = await in_units.claims.get(sub.id, NINE)
        assert claim is not None and claim.done_at is None
    assert await in_units.states.get_many(s.id for s in subs) == {}
