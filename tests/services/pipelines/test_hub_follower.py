"""HubFollower: a hub's event read by its id until it ends; a hub sync followed by the channel's jobs."""

from __future__ import annotations

from typing import Any, cast

from bot.hvr.client import HvrClient
from bot.services.pipelines.hub_follower import HubFollower, jobs_outcome
from bot.services.pipelines.hub_source import HubSource
from bot.services.pipelines.operations import EventState, JobView, TableOutcome
from bot.services.pipelines.sync_follower import FollowPolicy, FollowUpdate, Phase
from tests.fakes.hub import FakeHub
from tests.test_hub_source import CHANNELS

POLICY = FollowPolicy(
    first_delay=1, max_delay=1, give_up_after=10, max_consecutive_errors=3, jobs_give_up_after=5
)


class Ticks:
    """A sleep that moves a clock and runs a script at given ticks (what the hub does meanwhile)."""

    def __init__(self, script: dict[int, Any] | None = None) -> None:
        self.now = 0.0
        self.script = script or {}

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        action = self.script.get(int(self.now))
        if action is not None:
            action()

    def clock(self) -> float:
        return self.now


def _world(
    jobs: dict[str, dict[str, Any]], script: dict[int, Any] | None = None
) -> tuple[HubFollower, FakeHub, Ticks]:
    hub = FakeHub(CHANNELS, jobs)
    ticks = Ticks(script)
    follower = HubFollower(
        HubSource("east", cast(HvrClient, hub)), policy=POLICY, sleep=ticks.sleep, clock=ticks.clock
    )
    return follower, hub, ticks


async def _all(updates: Any) -> list[FollowUpdate]:
    return [u async for u in updates]


async def test_an_event_is_read_by_its_id_until_done_with_its_per_table_result() -> None:
    follower, hub, ticks = _world({})
    ev_id = await hub.post_event("compare", "orders", source_loc="src", target_loc="tgt")
    result = [{"table": "lines", "result": "compare_state", "value": "different"}]
    ticks.script[3] = lambda: hub.posted[ev_id].update(state="DONE", results=result)

    updates = await _all(follower.follow_event("east:orders", ev_id, 0.0))

    assert [u.phase for u in updates] == [Phase.SYNCING, Phase.SUCCEEDED]
    final = updates[-1]
    assert final.elapsed == 3 and final.operation is not None
    assert final.operation.state is EventState.DONE
    assert final.operation.tables == (TableOutcome("lines", "different"),)


async def test_a_failed_or_canceled_event_ends_the_follow_with_the_hubs_words() -> None:
    for state, phase in (("FAILED", Phase.FAILED), ("CANCELED", Phase.CANCELED)):
        follower, hub, _ = _world({})
        ev_id = await hub.post_event("refresh", "orders", source_loc="src", target_loc="tgt")
        hub.posted[ev_id].update(state=state, response="F_JX0001E: stopped")
        (update,) = await _all(follower.follow_event("east:orders", ev_id, 0.0, announced=True))
        assert (update.phase, update.note) == (phase, "F_JX0001E: stopped")


async def test_an_unknown_event_is_lost_and_a_hub_down_too_long_as_well() -> None:
    follower, hub, _ = _world({})
    (update,) = await _all(follower.follow_event("east:orders", "2026-12-02T00:00:00Z"))
    assert update.phase is Phase.LOST and "no longer knows" in update.note
    hub.down = True
    (update,) = await _all(follower.follow_event("east:orders", "2026-12-02T00:00:00Z"))
    assert update.phase is Phase.LOST and "could not be asked" in update.note


async def test_an_event_that_runs_too_long_is_given_up_on() -> None:
    follower, hub, _ = _world({})
    ev_id = await hub.post_event("refresh", "orders", source_loc="src", target_loc="tgt")
    updates = await _all(follower.follow_event("east:orders", ev_id, 0.0))
    assert [u.phase for u in updates] == [Phase.SYNCING, Phase.GAVE_UP]
    assert updates[-1].elapsed == 10


async def test_a_hub_sync_ends_when_the_jobs_run_and_fails_when_one_failed_again() -> None:
    jobs = {"orders-cap-src": {"state": "RUNNING"}, "orders-integ-tgt": {"state": "PENDING"}}
    follower, _, ticks = _world(jobs)
    ticks.script[2] = lambda: jobs["orders-integ-tgt"].update(state="RUNNING")
    (update,) = await _all(follower.follow_jobs("east:orders", 0.0))
    assert (update.phase, update.elapsed, len(update.jobs)) == (Phase.SUCCEEDED, 2, 2)

    jobs["orders-integ-tgt"]["state"] = "FAILED"
    (update,) = await _all(follower.follow_jobs("east:orders", 0.0))
    assert (update.phase, update.note) == (Phase.FAILED, "orders-integ-tgt is FAILED")


async def test_a_retrying_job_is_waited_for_then_given_up_on_naming_it() -> None:
    jobs = {"orders-cap-src": {"state": "RUNNING"}, "orders-integ-tgt": {"state": "RETRY"}}
    follower, _, _ = _world(jobs)
    (update,) = await _all(follower.follow_jobs("east:orders", 0.0))
    assert (update.phase, update.elapsed) == (Phase.GAVE_UP, 5)
    assert update.note == "Not running yet: orders-integ-tgt (RETRY)."


def test_the_outcome_of_jobs() -> None:
    def job(state: str) -> JobView:
        return JobView(
            "j", state, failing=state in ("FAILED", "ERROR", "RETRY"), suspended=state == "SUSPEND"
        )

    assert jobs_outcome([], 1).phase is Phase.LOST  # type: ignore[union-attr]
    assert jobs_outcome([job("SUSPEND"), job("SUSPEND")], 1).phase is Phase.PAUSED  # type: ignore[union-attr]
    assert jobs_outcome([job("ERROR"), job("RUNNING")], 1).phase is Phase.FAILED  # type: ignore[union-attr]
    assert jobs_outcome([job("RUNNING"), job("PENDING")], 1) is None
