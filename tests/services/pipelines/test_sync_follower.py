"""Following a sync to its end, on scripted connections, a fake clock and a sleep that only records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.fivetran.errors import NotFound, ServerError, Timeout
from bot.fivetran.models import Connection
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.sync_follower import FollowPolicy, FollowUpdate, Phase, SyncFollower
from tests.blocks.factory import NOW, connection, group
from tests.fakes import FakeClock, FakeSleep
from tests.services.fakes import FakeFivetran, Scripted

CID = "decidedly_conventional"
BASELINE = NOW - timedelta(hours=3)  # the factory's succeeded_at: the last sync end before the trigger
LATER = (NOW + timedelta(minutes=10)).isoformat()
POLICY = FollowPolicy(first_delay=5, max_delay=20, factor=2, give_up_after=120, max_consecutive_errors=3)


def conn(**fields: Any) -> Connection:
    return connection(id=CID, **fields)


SCHEDULED = conn()
SYNCING = conn(status={"sync_state": "syncing"})
SUCCEEDED = conn(succeeded_at=LATER)
TASKS = [
    {"code": "a", "message": "Password expired"},
    {"code": "b", "message": ""},
    {"code": "c", "message": "Quota"},
]
FAILED = conn(failed_at=LATER, status={"tasks": TASKS})


class Harness:
    def __init__(self, policy: FollowPolicy = POLICY, cache: SnapshotCache | None = None) -> None:
        self.fivetran = FakeFivetran([SCHEDULED], [group()])
        self.clock = FakeClock()
        self.sleep = FakeSleep(self.clock)
        self.follower = SyncFollower(
            self.fivetran.as_client(),
            cache,
            policy=policy,
            sleep=self.sleep,
            clock=self.clock.timestamp,
            now=self.clock,
        )

    async def run(
        self, *script: Scripted, baseline: Any = BASELINE, started: float | None = None
    ) -> list[FollowUpdate]:
        self.fivetran.script = list(script)
        return [u async for u in self.follower.follow(CID, baseline, started)]


@pytest.fixture
def harness() -> Harness:
    return Harness()


def phases(updates: list[FollowUpdate]) -> list[Phase]:
    return [u.phase for u in updates]


async def test_a_successful_sync_ends_with_its_duration(harness: Harness) -> None:
    updates = await harness.run(SCHEDULED, SYNCING, SUCCEEDED)
    assert phases(updates) == [Phase.SYNCING, Phase.SUCCEEDED]
    assert updates[0].elapsed == 5 + 10
    assert updates[1].elapsed == 5 + 10 + 20
    assert updates[1].connection == SUCCEEDED
    assert updates[-1].phase.final and not updates[0].phase.final


async def test_waits_grow_by_the_factor_up_to_the_maximum(harness: Harness) -> None:
    await harness.run(SCHEDULED, SCHEDULED, SCHEDULED, SCHEDULED, SUCCEEDED)
    assert harness.sleep.waits == [5, 10, 20, 20, 20]


async def test_a_failed_sync_gives_the_task_messages(harness: Harness) -> None:
    updates = await harness.run(SYNCING, FAILED)
    assert phases(updates) == [Phase.SYNCING, Phase.FAILED]
    assert updates[-1].note == "Password expired; Quota"
    assert updates[-1].elapsed == 15


async def test_a_failed_sync_without_tasks_has_no_note(harness: Harness) -> None:
    updates = await harness.run(conn(failed_at=LATER))
    assert phases(updates) == [Phase.FAILED]
    assert updates[-1].note == ""


async def test_success_is_when_succeeded_at_is_the_later_end(harness: Harness) -> None:
    both = conn(succeeded_at=LATER, failed_at=(NOW + timedelta(minutes=5)).isoformat())
    assert phases(await harness.run(both)) == [Phase.SUCCEEDED]
    worse = conn(succeeded_at=(NOW + timedelta(minutes=5)).isoformat(), failed_at=LATER)
    assert phases(await harness.run(worse)) == [Phase.FAILED]


async def test_an_end_that_has_not_moved_past_the_baseline_is_not_the_end(harness: Harness) -> None:
    stale_failure = conn(
        failed_at=BASELINE.isoformat(), succeeded_at=(BASELINE - timedelta(hours=1)).isoformat()
    )
    updates = await harness.run(stale_failure, SUCCEEDED)
    assert phases(updates) == [Phase.SUCCEEDED]
    assert harness.fivetran.count("get_connection") == 2


async def test_without_a_baseline_the_first_end_seen_ends_it(harness: Harness) -> None:
    never = conn(succeeded_at=None)
    updates = await harness.run(never, never, SUCCEEDED, baseline=None)
    assert phases(updates) == [Phase.SUCCEEDED]


async def test_a_rescheduled_sync_on_an_auto_schedule_ends_with_when_fivetran_resumes_it(
    harness: Harness,
) -> None:
    rescheduled = conn(status={"sync_state": "rescheduled", "rescheduled_for": "2026-05-09T14:00:00Z"})
    updates = await harness.run(rescheduled)
    assert phases(updates) == [Phase.RESCHEDULED]
    assert updates[0].resume_at == datetime(2026, 5, 9, 14, tzinfo=UTC)
    assert (updates[0].manual, updates[0].restarts) == (False, 0)


async def test_a_rescheduled_sync_without_a_time_ends_without_one(harness: Harness) -> None:
    updates = await harness.run(conn(status={"sync_state": "rescheduled"}))
    assert phases(updates) == [Phase.RESCHEDULED]
    assert updates[0].resume_at is None


@pytest.mark.parametrize("paused", [conn(paused=True), conn(status={"sync_state": "paused"})])
async def test_a_connector_paused_meanwhile_ends_the_follow(harness: Harness, paused: Connection) -> None:
    updates = await harness.run(SYNCING, paused)
    assert phases(updates) == [Phase.SYNCING, Phase.PAUSED]
    assert updates[-1].note == "The connector was paused."


async def test_a_connector_broken_meanwhile_ends_the_follow_with_its_tasks(harness: Harness) -> None:
    broken = conn(status={"setup_state": "broken", "tasks": TASKS})
    updates = await harness.run(broken)
    assert phases(updates) == [Phase.BROKEN]
    assert updates[0].note == "Password expired; Quota"


async def test_following_gives_up_after_the_bound(harness: Harness) -> None:
    updates = await harness.run(SYNCING)
    assert phases(updates) == [Phase.SYNCING, Phase.GAVE_UP]
    assert updates[-1].elapsed >= POLICY.give_up_after
    assert updates[-1].elapsed - POLICY.give_up_after < POLICY.max_delay
    assert "may still be running" in updates[-1].note
    assert harness.fivetran.count("get_connection") == len(harness.sleep.waits)


async def test_syncing_is_announced_once(harness: Harness) -> None:
    updates = await harness.run(SYNCING, SYNCING, SCHEDULED, SYNCING, SUCCEEDED)
    assert phases(updates) == [Phase.SYNCING, Phase.SUCCEEDED]


async def test_a_sync_that_ends_before_it_is_seen_running_is_not_announced(harness: Harness) -> None:
    assert phases(await harness.run(SUCCEEDED)) == [Phase.SUCCEEDED]


async def test_elapsed_counts_from_the_given_start(harness: Harness) -> None:
    updates = await harness.run(SUCCEEDED, started=harness.clock.timestamp() - 30)
    assert updates[0].elapsed == 35


async def test_a_deleted_connector_is_lost_at_once(harness: Harness) -> None:
    updates = await harness.run(NotFound("Connection not found", code="NotFound_Connection"))
    assert phases(updates) == [Phase.LOST]
    assert updates[0].note == "The connector was deleted while syncing."
    assert harness.fivetran.count("get_connection") == 1


async def test_it_is_lost_after_consecutive_errors(harness: Harness) -> None:
    updates = await harness.run(SYNCING, Timeout("timed out"), ServerError("down", status_code=503))
    assert phases(updates) == [Phase.SYNCING, Phase.LOST]
    assert updates[-1].note == "Fivetran could not be asked: down"
    assert harness.fivetran.count("get_connection") == 1 + POLICY.max_consecutive_errors


async def test_errors_between_answers_are_not_consecutive(harness: Harness) -> None:
    error = Timeout("timed out")
    updates = await harness.run(error, error, SYNCING, error, error, SUCCEEDED)
    assert phases(updates) == [Phase.SYNCING, Phase.SUCCEEDED]


async def test_every_answer_is_folded_into_the_cache() -> None:
    fivetran = FakeFivetran([SCHEDULED], [group()])
    cache = SnapshotCache(fivetran.as_client(), clock=FakeClock().timestamp)
    await cache.get()
    clock = FakeClock()
    follower = SyncFollower(
        fivetran.as_client(), cache, policy=POLICY, sleep=FakeSleep(clock), clock=clock.timestamp
    )
    fivetran.script = [SYNCING, SUCCEEDED]
    seen = []
    async for _ in follower.follow(CID, BASELINE):
        snap = cache.peek()
        assert snap is not None
        seen.append(snap.connections[CID])
    assert seen == [SYNCING, SUCCEEDED]
