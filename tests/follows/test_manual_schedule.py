"""A manual-schedule connector's rescheduled sync is started again by the bot at the time Fivetran gave,
audited, and the promise outlives the process that made it: a successor keeps it, and never starts the
same sync twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest

from bot.blocks.actions import follow_notice, render_followed
from bot.blocks.message import Message
from bot.services.governance.audit import Auditor
from bot.services.pipelines.actions import ConnectorActions
from bot.services.pipelines.follow_keeper import LEASE, FollowKeeper
from bot.services.pipelines.hub_follower import HubFollower
from bot.services.pipelines.operations import HubOperations
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.sync_follower import FollowPolicy, SyncFollower
from bot.services.runtime.background import Background
from bot.storage.audit import AuditRepo
from bot.storage.db import Database
from bot.storage.follows import FollowRepo
from bot.storage.migrate import upgrade
from tests.fakes import FakeClock, FakePoster, FakeSleep
from tests.fakes.manual_account import CID, ManualAccount

TS = "1700000000.000100"


class Dying:
    """A process's sleep: moves the clock, until the process is told to die; then it never wakes."""

    def __init__(self, clock: FakeClock) -> None:
        self._sleep = FakeSleep(clock)
        self.die = False
        self.dead = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        if self.die:
            self.dead.set()
            await asyncio.Event().wait()
        await self._sleep(seconds)


@dataclass
class Hearing(FakePoster):
    """replica-a's Slack: each edit of the status message is heard as it is made."""

    heard: Callable[[str], None] = lambda _: None

    async def update(self, channel: str, ts: str, message: Message) -> None:
        await super().update(channel, ts, message)
        self.heard(message.text)


@dataclass
class Rig:
    clock: FakeClock
    account: ManualAccount
    database: Database

    def keeper(self, holder: str, poster: FakePoster, background: Background, sleep: object) -> FollowKeeper:
        follower = SyncFollower(
            self.account,  # type: ignore[arg-type]  # a follow asks get_connection only
            policy=FollowPolicy(first_delay=5, max_delay=60),
            sleep=sleep,  # type: ignore[arg-type]
            clock=self.clock.timestamp,
            now=self.clock,
        )
        return FollowKeeper(
            FollowRepo(self.database, clock=self.clock),
            follower,
            # these follows are Fivetran syncs only: the hub follower is never asked
            HubFollower(cast(HubOperations, self.account), sleep=sleep, clock=self.clock.timestamp),  # type: ignore[arg-type]
            background,
            poster,
            render_followed,
            notice=follow_notice,
            owed=poster,  # owed messages go straight to this Slack: the outbox has tests of its own
            actions=ConnectorActions(self.account, SnapshotCache(self.account)),  # type: ignore[arg-type]
            auditor=Auditor(AuditRepo(self.database, clock=self.clock)),
            holder=holder,
            now=self.clock,
            clock=self.clock.timestamp,
            sleep=FakeSleep(self.clock),
        )


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    clock = FakeClock()
    url = f"sqlite+aiosqlite:///{tmp_path}/follows.db"
    await upgrade(url)
    database = Database(url)
    yield Rig(clock, ManualAccount(clock, quota_back=clock() + LEASE * 40), database)
    await database.dispose()


async def _dies_after(rig: Rig, says: str, *, lag: bool = False) -> list[str]:
    """replica-a follows the sync it started and dies once its message says `says`; what it said. With
    `lag`, Fivetran goes on saying what it said before for a while after that."""
    sleep, background, said = Dying(rig.clock), Background(), []

    def heard(text: str) -> None:
        said.append(text)
        if says in text:
            sleep.die = True
            if lag:
                rig.account.lag_until = rig.clock() + 2 * LEASE

    keeper = rig.keeper("replica-a", Hearing(heard=heard), background, sleep)
    connection = await rig.account.get_connection(CID)
    record = await keeper.begin(
        connection, channel_id="C1", user_id="U1", force=False, baseline=connection.last_sync_end
    )
    # the person's own sync went out (not here): Fivetran rescheduled it, as the source's quota is used up
    await keeper.repo.set_message_ts(record.id, TS)

    async def fallback(message: Message) -> None:
        raise AssertionError("the channel has the status message")

    await keeper.follow(record, fallback=fallback)
    await asyncio.wait_for(sleep.dead.wait(), 5)
    await background.cancel_all()  # no finish, no release: the lease lapses
    rig.clock.advance(LEASE.total_seconds() + 1)
    return said


async def _successor(rig: Rig) -> tuple[FakePoster, FollowKeeper]:
    poster, background = FakePoster(), Background()
    keeper = rig.keeper("replica-b", poster, background, FakeSleep(rig.clock))
    assert await keeper.resume() == 1
    assert await background.drain(5)
    return poster, keeper


async def test_a_successor_keeps_the_promise_to_start_the_sync_again(rig: Rig) -> None:
    said = await _dies_after(rig, "I'll start it again then")
    assert said and "this connector is on a manual schedule, so I'll start it again then" in said[-1]

    poster, keeper = await _successor(rig)
    assert rig.account.syncs == [rig.account.quota_back]  # started once, at the time Fivetran gave
    texts = [message.text for _, _, message in poster.updates]
    assert {ts for _, ts, _ in poster.updates} == {TS}  # the same channel message, to its end
    assert any("I started the sync of *" in t for t in texts)
    assert not any("I'll start it again then" in t for t in texts)  # the promise was told once
    assert "succeeded" in texts[-1] and "after I started it again" in texts[-1]
    assert not any("Fivetran resumes" in t or "retry" in t.lower() for t in said + texts)

    record = await keeper.repo.get(1)
    assert record is not None
    assert (record.outcome, record.restarts, record.restarted_for) == ("succeeded", 1, rig.account.quota_back)
    (entry,) = await AuditRepo(rig.database).query(connector=CID)
    assert (entry.action, entry.source, entry.user_id, entry.channel_id) == ("sync", "system", "U1", "C1")
    assert entry.status == "succeeded"
    assert entry.parameters == {
        "restart": "rescheduled",
        "rescheduled_for": rig.account.quota_back.isoformat(),
    }


async def test_a_successor_does_not_start_again_a_sync_its_predecessor_started(rig: Rig) -> None:
    rig.account.runs_for = 1800  # still running when the successor takes over
    await _dies_after(rig, "I started the sync of", lag=True)
    assert rig.account.syncs == [rig.account.quota_back]
    _, keeper = await _successor(rig)
    assert rig.account.syncs == [rig.account.quota_back]
    record = await keeper.repo.get(1)
    assert record is not None and (record.outcome, record.restarts) == ("succeeded", 1)
    assert len(await AuditRepo(rig.database).query(connector=CID)) == 1
