"""A followed sync outlives the process that started following it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import httpx
import pytest

from bot.blocks.actions import follow_notice, render_followed
from bot.blocks.message import Message
from bot.fivetran.client import FivetranClient
from bot.fivetran.transport import Transport
from bot.services.governance.audit import Auditor
from bot.services.pipelines.actions import ConnectorActions
from bot.services.pipelines.follow_keeper import LEASE, FollowKeeper
from bot.services.pipelines.hub_follower import HubFollower
from bot.services.pipelines.operations import HubOperations
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.sync_follower import FollowPolicy, SyncFollower
from bot.services.runtime.background import Background
from bot.services.runtime.deliverer import Deliverer
from bot.services.runtime.outbox import OutboxPoster, Unit, no_unit
from bot.services.runtime.posting import OwedPoster
from bot.simulator import ManualClock, Simulator, build_app
from bot.storage.audit import AuditRepo
from bot.storage.db import Database
from bot.storage.follows import FollowKind, FollowRepo
from bot.storage.migrate import upgrade
from bot.storage.outbox import OutboxRepo
from tests.fakes import FakePoster, FakeSleep
from tests.simulator.aliases import watched

Deliverers = list[Deliverer]


async def drained(background: Background, outbox: Deliverers) -> None:
    """The follows ran to their end, and what they owe Slack was delivered."""
    await background.drain(5)
    for deliverer in outbox:
        await deliverer.drain()


@dataclass
class Rig:
    sim: Simulator
    clock: ManualClock
    client: FivetranClient
    database: Database

    def keeper(
        self, holder: str, poster: FakePoster, background: Background, *, outbox: Deliverers | None = None
    ) -> FollowKeeper:
        """With `outbox`, what the follow owes goes through a real outbox, delivered to `poster` when the
        test drains it; without, straight to `poster`."""
        sleep = FakeSleep(self.clock)
        owed: OwedPoster = poster
        unit: Unit = no_unit
        if outbox is not None:
            owed_rows = OutboxRepo(self.database, clock=self.clock.now)
            owed, unit = OutboxPoster(owed_rows), self.database.unit
            outbox.append(
                Deliverer(
                    owed_rows,
                    poster,
                    holder=holder,
                    now=self.clock.now,
                    clock=lambda: self.clock.now().timestamp(),
                    sleep=sleep,
                )
            )
        # one clock for the follower and the keeper: how long a sync took is then the simulated time
        elapsed = lambda: self.clock.now().timestamp()  # noqa: E731
        follower = SyncFollower(
            self.client, policy=FollowPolicy(first_delay=5, max_delay=30), sleep=sleep, clock=elapsed
        )
        repo = FollowRepo(self.database, clock=self.clock.now)
        return FollowKeeper(
            repo,
            follower,
            HubFollower(cast(HubOperations, self.client), sleep=sleep, clock=elapsed),  # follows only syncs
            background,
            poster,
            render_followed,
            notice=follow_notice,
            owed=owed,
            actions=ConnectorActions(self.client, SnapshotCache(self.client)),
            auditor=Auditor(AuditRepo(self.database)),
            holder=holder,
            unit=unit,
            now=self.clock.now,
            clock=elapsed,
            sleep=sleep,
        )


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    clock = ManualClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    sim = watched(Simulator(seed=5, connections=12, clock=clock))
    url = f"sqlite+aiosqlite:///{tmp_path}/follows.db"
    await upgrade(url)
    database = Database(url)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(sim))) as http:
        client = FivetranClient(
            Transport(http, api_key="demo", api_secret="demo", base_url="http://simulator")
        )
        yield Rig(sim, clock, client, database)
    await database.dispose()


def _healthy(sim: Simulator) -> str:
    return next(cid for cid, c in sim.connections.items() if c.setup_state == "connected" and not c.paused)


async def _start_follow(
    rig: Rig, keeper: FollowKeeper, cid: str, ts: str | None = "1700000000.000100"
) -> None:
    connection = await rig.client.get_connection(cid)
    record = await keeper.begin(
        connection, channel_id="C1", user_id="U1", force=False, baseline=connection.last_sync_end
    )
    await rig.client.sync(cid)
    if ts is not None:  # the status message was posted
        await keeper.repo.set_message_ts(record.id, ts)
        record = await keeper.repo.get(record.id) or record
    delivered: list[Message] = []

    async def fallback(message: Message) -> None:
        delivered.append(message)

    await keeper.follow(record, fallback=fallback)


async def _left_by_a_dead_process(rig: Rig, cid: str, ts: str | None = "1700000000.000100") -> None:
    """A follow that replica-a started before its process died: nobody renews it and its lease lapsed."""
    dead = Background()
    await _start_follow(rig, rig.keeper("replica-a", FakePoster(), dead), cid, ts)
    await dead.cancel_all()  # the process dies: no finish, no release, the lease stays
    rig.clock.advance(LEASE.total_seconds() + 1)


async def test_a_follow_left_by_a_dead_process_is_finished_by_the_next_one(rig: Rig) -> None:
    cid = _healthy(rig.sim)
    rig.sim.script_sync_outcome(cid, "success", duration_s=600)
    await _left_by_a_dead_process(rig, cid)

    poster, background = FakePoster(), Background()
    successor = rig.keeper("replica-b", poster, background)
    assert await successor.resume() == 1
    await background.drain(5)

    assert poster.updates, "the successor should have updated the original message"
    assert {(channel, ts) for channel, ts, _ in poster.updates} == {("C1", "1700000000.000100")}
    assert "succeeded" in poster.updates[-1][2].text
    record = await successor.repo.get(1)
    assert record is not None and record.outcome == "succeeded" and record.holder == "replica-b"


async def test_a_follow_still_renewed_by_its_holder_is_not_taken_over(rig: Rig) -> None:
    cid = _healthy(rig.sim)
    rig.sim.script_sync_outcome(cid, "success", duration_s=6000)
    await rig.database.ping()
    living = Background()
    await _start_follow(rig, rig.keeper("replica-a", FakePoster(), living), cid)
    successor = rig.keeper("replica-b", FakePoster(), Background())
    assert await successor.resume() == 0
    await living.cancel_all()


async def test_two_successors_take_one_lapsed_follow_over_once(rig: Rig) -> None:
    cid = _healthy(rig.sim)
    rig.sim.script_sync_outcome(cid, "success", duration_s=600)
    await _left_by_a_dead_process(rig, cid)
    b, c = Background(), Background()
    taken = await asyncio.gather(
        rig.keeper("replica-b", FakePoster(), b).resume(), rig.keeper("replica-c", FakePoster(), c).resume()
    )
    assert sorted(taken) == [0, 1]
    await b.cancel_all()
    await c.cancel_all()


async def test_a_graceful_stop_hands_its_follows_over_at_once(rig: Rig) -> None:
    cid = _healthy(rig.sim)
    rig.sim.script_sync_outcome(cid, "success", duration_s=6000)
    background = Background()
    keeper = rig.keeper("replica-a", FakePoster(), background)
    await _start_follow(rig, keeper, cid)
    await background.cancel_all()
    await keeper.stop()
    successor_background = Background()
    assert await rig.keeper("replica-b", FakePoster(), successor_background).resume() == 1
    await successor_background.cancel_all()


async def test_a_follow_that_died_before_its_message_posts_one_and_updates_it(rig: Rig) -> None:
    cid = _healthy(rig.sim)
    rig.sim.script_sync_outcome(cid, "success", duration_s=300)
    await _left_by_a_dead_process(rig, cid, ts=None)
    poster, background = FakePoster(), Background()
    await rig.keeper("replica-b", poster, background).resume()
    await background.drain(5)
    # the first news it has (here already the outcome) becomes the channel message; later ones update it
    top = poster.top_level("C1")
    assert len(top) == 1 and "succeeded" in top[0].text
    assert {ts for _, ts, _ in poster.updates} <= {top[0].ts}
    # and the end of a 5-minute sync is replied in that message's thread
    assert [p.thread_ts for p in poster.posts if p.thread_ts] == [top[0].ts]


async def test_a_resumed_follow_whose_message_was_deleted_posts_it_anew_and_keeps_that_one(rig: Rig) -> None:
    cid = _healthy(rig.sim)
    rig.sim.script_sync_outcome(cid, "success", duration_s=300)
    await _left_by_a_dead_process(rig, cid)
    poster, background, outbox = FakePoster(gone={"1700000000.000100"}), Background(), Deliverers()
    successor = rig.keeper("replica-b", poster, background, outbox=outbox)
    await successor.resume()
    await drained(background, outbox)  # the final edit finds the message gone and posts it anew
    (anew,) = poster.top_level("C1")
    assert [p.thread_ts for p in poster.posts if p.thread_ts] == [anew.ts]  # the reply follows it too
    last = poster.updates[-1][2].text if poster.updates else anew.text
    assert anew.channel == "C1" and "succeeded" in last
    assert {ts for _, ts, _ in poster.updates} <= {anew.ts}
    record = await successor.repo.get(1)
    assert record is not None and record.message_ts == anew.ts  # a later successor edits the new one


async def test_a_resumed_follow_where_the_bot_cannot_post_is_told_to_its_person_only(rig: Rig) -> None:
    cid = _healthy(rig.sim)
    rig.sim.script_sync_outcome(cid, "failure", duration_s=300, reason="Source went away")
    await _left_by_a_dead_process(rig, cid, ts=None)
    poster, background = FakePoster(refuse={"C1"}), Background()
    await rig.keeper("replica-b", poster, background).resume()
    await background.drain(5)
    assert not poster.updates
    assert poster.ephemerals and poster.ephemerals[-1][:2] == ("C1", "U1")
    assert "failed" in poster.ephemerals[-1][2].text


def test_the_lease_outlasts_the_longest_pause_between_polls() -> None:
    assert timedelta(seconds=FollowPolicy().max_delay * 2) < LEASE


async def test_a_long_sync_ends_with_a_thread_reply_that_mentions_who_asked(rig: Rig) -> None:
    cid = _healthy(rig.sim)
    rig.sim.script_sync_outcome(cid, "success", duration_s=600)
    await _left_by_a_dead_process(rig, cid)
    poster, background = FakePoster(), Background()

    await rig.keeper("replica-b", poster, background).resume()
    await background.drain(5)

    replies = [p for p in poster.posts if p.thread_ts == "1700000000.000100"]
    assert len(replies) == 1 and "<@U1>" in replies[0].text and "succeeded" in replies[0].text
    assert not [p for p in poster.posts if p.thread_ts is None]  # the status itself stays an edit


async def test_a_failed_sync_is_replied_in_its_thread_however_quick(rig: Rig) -> None:
    cid = _healthy(rig.sim)
    rig.sim.script_sync_outcome(cid, "failure", duration_s=10)
    poster, background = FakePoster(), Background()

    await _start_follow(rig, rig.keeper("replica-a", poster, background), cid)
    await background.drain(5)

    replies = [p for p in poster.posts if p.thread_ts == "1700000000.000100"]
    assert len(replies) == 1 and "<@U1>" in replies[0].text and "did not succeed" in replies[0].text


async def test_a_hub_refresh_whose_event_never_reached_the_record_is_said_lost_not_followed_for_ever(
    rig: Rig,
) -> None:
    """The process died between posting the refresh and recording the hub's event id: nothing says
    which event it was, so the successor says so once and finishes the record."""
    cid = _healthy(rig.sim)
    connection = await rig.client.get_connection(cid)
    dying = rig.keeper("replica-a", FakePoster(), Background())
    record = await dying.begin(
        connection, channel_id="C1", user_id="U1", force=False, baseline=None, kind=FollowKind.REFRESH
    )
    await dying.repo.set_message_ts(record.id, "1700000000.000100")
    rig.clock.advance(LEASE.total_seconds() + 1)

    poster, background = FakePoster(), Background()
    successor = rig.keeper("replica-b", poster, background)
    assert await successor.resume() == 1
    await background.drain(5)

    (update,) = poster.updates
    assert update[:2] == ("C1", "1700000000.000100")
    assert update[2].text.startswith(":grey_question: Lost track of the refresh of ")
    finished = await successor.repo.get(record.id)
    assert finished is not None and finished.outcome == "lost" and finished.kind == "refresh"


async def test_a_process_killed_right_after_its_status_message_was_owed_leaves_one_message_in_the_end(
    rig: Rig,
) -> None:
    """The old gap: a message posted and the process killed before its ts was recorded, so a successor
    posted another and the first kept saying "requested". Now the message is owed with its placeholder on
    the follow's record in one transaction: the successor's outbox posts it once and edits it to the end."""
    cid = _healthy(rig.sim)
    rig.sim.script_sync_outcome(cid, "success", duration_s=300)
    dead, nobody = Background(), FakePoster(may_update=False)
    keeper = rig.keeper("replica-a", nobody, dead, outbox=[])  # its deliverer never runs: killed first
    connection = await rig.client.get_connection(cid)
    record = await keeper.begin(
        connection, channel_id="C1", user_id="U1", force=False, baseline=connection.last_sync_end
    )
    await rig.client.sync(cid)
    record = await keeper.announce(record, Message("Sync of orders requested by <@U1>", []))
    await keeper.follow(record, fallback=_never)
    await dead.cancel_all()  # kill -9
    rig.clock.advance(LEASE.total_seconds() + 1)

    poster, background, outbox = FakePoster(), Background(), Deliverers()
    successor = rig.keeper("replica-b", poster, background, outbox=outbox)
    assert await successor.resume() == 1
    await drained(background, outbox)

    (status,) = poster.top_level("C1")
    assert status.text == "Sync of orders requested by <@U1>" and not nobody.posts
    assert {ts for _, ts, _ in poster.updates} == {status.ts} and "succeeded" in poster.updates[-1][2].text
    assert [p.thread_ts for p in poster.posts if p.thread_ts] == [status.ts]  # the reply to who asked
    on_record = await successor.repo.get(record.id)
    assert on_record is not None and on_record.message_ts == status.ts


async def _never(message: Message) -> None:
    raise AssertionError(f"the channel has the status message; told the person {message.text!r}")
