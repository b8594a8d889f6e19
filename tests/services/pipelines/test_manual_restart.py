"""A sync Fivetran reschedules on a manual-schedule connector is started again by the bot at the time
Fivetran gave, since nothing else would start it (DESIGN section 10); on a fake clock that the follower's
sleeps move, so hours of waiting cost nothing."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.fivetran.errors import FivetranError, RateLimited
from bot.fivetran.models import Connection
from bot.services.pipelines.actions import ActionResult, explain
from bot.services.pipelines.sync_follower import FollowPolicy, FollowUpdate, Phase, Restarts, SyncFollower
from tests.fakes import FakeClock, FakeSleep
from tests.fakes.manual_account import CID, ManualAccount

POLICY = FollowPolicy(first_delay=5, max_delay=60, factor=2, give_up_after=600, max_restarts=3)


class Starter:
    """The follower's restarter, as the follow keeper is one: here only what it was asked, in order."""

    def __init__(self, account: ManualAccount) -> None:
        self.account = account
        self.promised: list[datetime] = []

    async def waiting(self, when: datetime) -> None:
        self.promised.append(when)

    async def restart(self, when: datetime) -> ActionResult:
        try:
            message = await self.account.sync(CID)
        except FivetranError as error:
            return ActionResult(False, "sync", CID, explain(error, "sync", CID))
        return ActionResult(True, "sync", CID, "Sync started.", detail=message)


class Rig:
    def __init__(self, *, wait: timedelta = timedelta(hours=2), stays: bool = False) -> None:
        self.clock = FakeClock()
        self.sleep = FakeSleep(self.clock)
        self.account = ManualAccount(self.clock, quota_back=self.clock() + wait, stays=stays)
        self.starter = Starter(self.account)
        self.baseline = self.account.succeeded_at
        self.beats = 0
        self.follower = SyncFollower(
            self.account,  # type: ignore[arg-type]  # the follower asks only get_connection
            policy=POLICY,
            sleep=self.sleep,
            clock=self.clock.timestamp,
            now=self.clock,
        )

    async def heartbeat(self) -> None:
        self.beats += 1

    async def run(self, **kwargs: Any) -> list[FollowUpdate]:
        kwargs.setdefault("restarter", self.starter)
        updates = self.follower.follow(CID, self.baseline, heartbeat=self.heartbeat, **kwargs)
        return [u async for u in updates]


def phases(updates: list[FollowUpdate]) -> list[Phase]:
    return [u.phase for u in updates]


STAYS = pytest.mark.parametrize("stays", [False, True], ids=["scheduled after", "rescheduled after"])


@STAYS
async def test_the_bot_starts_the_sync_again_at_the_time_fivetran_gave_and_follows_it_to_its_end(
    stays: bool,
) -> None:
    rig = Rig(stays=stays)
    quota_back = rig.account.quota_back
    updates = await rig.run()
    assert phases(updates) == [Phase.WAITING, Phase.RESTARTED, Phase.SYNCING, Phase.SUCCEEDED]
    assert rig.account.syncs == [quota_back]  # once, at that time exactly
    assert rig.starter.promised == [quota_back]  # on record before the person was told
    waiting, restarted = updates[0], updates[1]
    assert (waiting.resume_at, waiting.manual, waiting.restarts) == (quota_back, True, 0)
    assert (restarted.resume_at, restarted.restarts) == (quota_back, 1)
    assert updates[-1].restarts == 1 and not waiting.phase.final and not restarted.phase.final
    # two hours of waiting: the lease renewed at every poll, none more than a minute apart
    polls = rig.account.polls
    assert max((b - a).total_seconds() for a, b in itertools.pairwise(polls)) <= POLICY.max_delay
    assert rig.beats == len(polls)


async def test_an_auto_schedule_connector_is_left_to_fivetran() -> None:
    rig = Rig()
    auto = rig.account.connection(
        schedule_type="auto",
        status={"sync_state": "rescheduled", "rescheduled_for": rig.account.quota_back.isoformat()},
    )

    async def get_connection(connection_id: str) -> Connection:
        return auto

    rig.account.get_connection = get_connection  # type: ignore[method-assign]
    updates = await rig.run()
    assert phases(updates) == [Phase.RESCHEDULED]
    assert updates[0].phase.final and not updates[0].manual
    assert rig.account.syncs == [] and rig.starter.promised == []


async def test_without_a_way_to_restart_a_manual_reschedule_ends_the_follow_as_manual() -> None:
    rig = Rig()
    updates = await rig.run(restarter=None)
    assert phases(updates) == [Phase.RESCHEDULED]
    assert updates[0].manual and updates[0].resume_at == rig.account.quota_back


async def test_a_refused_restart_ends_the_follow_with_the_reason() -> None:
    rig = Rig()
    rig.account.refuse = RateLimited("Too many requests", retry_after=600)
    updates = await rig.run()
    assert phases(updates) == [Phase.WAITING, Phase.RESCHEDULED]
    assert updates[-1].manual and updates[-1].restarts == 0
    assert updates[-1].note == "The account has used its Fivetran API budget for now. Try again in 10 min."


async def test_a_source_that_runs_out_again_and_again_is_restarted_a_bounded_number_of_times() -> None:
    rig = Rig(wait=timedelta(minutes=10))
    rig.account.reschedule_again = timedelta(minutes=30)
    updates = await rig.run()
    assert len(rig.account.syncs) == POLICY.max_restarts
    assert updates[-1].phase is Phase.RESCHEDULED and updates[-1].restarts == POLICY.max_restarts
    assert phases(updates).count(Phase.WAITING) == POLICY.max_restarts  # each new time told once


async def test_a_sync_someone_else_starts_during_the_wait_is_followed_without_a_restart() -> None:
    rig = Rig(wait=timedelta(minutes=30))
    rig.account.started_by_someone = rig.clock() + timedelta(minutes=10)  # in Fivetran's UI, say
    updates = await rig.run()
    assert phases(updates) == [Phase.WAITING, Phase.SYNCING, Phase.SUCCEEDED]
    assert rig.account.syncs == []


async def test_waiting_for_the_source_does_not_count_against_the_give_up_bound() -> None:
    rig = Rig(wait=timedelta(hours=5))  # far beyond POLICY.give_up_after
    rig.account.runs_for = POLICY.give_up_after / 2
    assert phases(await rig.run())[-1] is Phase.SUCCEEDED


async def test_the_give_up_bound_counts_from_the_restart() -> None:
    rig = Rig(wait=timedelta(minutes=5))
    rig.account.runs_for = POLICY.give_up_after * 2
    updates = await rig.run()
    assert phases(updates)[-1] is Phase.GAVE_UP
    assert rig.clock() - rig.account.syncs[0] >= timedelta(seconds=POLICY.give_up_after)


async def test_a_taken_over_follow_does_not_start_the_same_reschedule_twice() -> None:
    rig = Rig()
    when = rig.account.quota_back
    # The process died right after starting it again; Fivetran still says what it said before for a bit.
    rig.clock.advance((when - rig.clock()).total_seconds() + 30)
    rig.account.started_at, rig.account.lag_until = when, when + timedelta(seconds=60)
    updates = await rig.run(restarts=Restarts(waiting_for=when, restarted_for=when, count=1))
    assert rig.account.syncs == []
    assert phases(updates)[-1] is Phase.SUCCEEDED and updates[-1].restarts == 1


@STAYS
async def test_a_taken_over_follow_whose_time_passed_while_nobody_held_it_restarts_at_once(
    stays: bool,
) -> None:
    rig = Rig(stays=stays)
    when = rig.account.quota_back
    rig.clock.advance((when - rig.clock()).total_seconds() + 600)
    taken_over = rig.clock()
    updates = await rig.run(restarts=Restarts(waiting_for=when))
    assert rig.account.syncs == [taken_over + timedelta(seconds=POLICY.first_delay)]  # at the first poll
    assert phases(updates) == [Phase.RESTARTED, Phase.SYNCING, Phase.SUCCEEDED]
