"""The outbox purge on a driven clock: delivered rows past the retention go, every hour; the rest stay."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.blocks.message import Message
from bot.services.runtime.outbox import OutboxPoster
from bot.services.runtime.outbox_purge import PURGE_EVERY_S, RETENTION, OutboxPurge
from bot.storage.db import Database
from bot.storage.outbox import OutboxRepo
from tests.fakes import FakeClock


class HourlySleep:
    """The purge's sleep: moves the clock by the wait; after `rounds` waits, holds the loop still."""

    def __init__(self, clock: FakeClock, rounds: int) -> None:
        self.clock = clock
        self.waits: list[float] = []
        self.rounds = rounds
        self.reached = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) >= self.rounds:
            self.reached.set()
            await asyncio.Event().wait()
        self.clock.advance(seconds)
        await asyncio.sleep(0)


async def _delivered(repo: OutboxRepo, text: str) -> int:
    ref = await OutboxPoster(repo).post("C1", Message(text, []))
    (row,) = await repo.claim_heads("h1", 60, limit=1)
    assert await repo.delivered(row.id, "h1", f"17000000{row.id}.000100")
    return int(ref.ts.removeprefix("outbox:"))


async def test_delivered_rows_are_purged_once_past_the_retention_by_the_scheduled_pass(
    database: Database,
) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    old = await _delivered(repo, "a week and a bit ago")
    clock.advance((RETENTION - timedelta(hours=2)).total_seconds())
    recent = await _delivered(repo, "two hours before the retention ends for the first")
    owed = await OutboxPoster(repo).post("C2", Message("never delivered", []))
    clock.advance(timedelta(hours=1).total_seconds())

    sleep = HourlySleep(clock, rounds=3)
    purge = OutboxPurge(repo, now=clock, sleep=sleep)
    purge.start()
    await asyncio.wait_for(sleep.reached.wait(), 5)
    await purge.stop()

    # three passes an hour apart: at retention - 1h after `old`, at exactly the retention (not older
    # yet: kept), then an hour past it, when `old` goes
    assert sleep.waits == [PURGE_EVERY_S] * 3
    assert await repo.get(old) is None
    assert await repo.get(recent) is not None  # delivered 3 h ago of a 7-day retention
    assert [r.text for r in await repo.pending()] == ["never delivered"] and owed.ts.startswith("outbox:")


async def test_a_pass_purges_nothing_newer_than_the_retention(database: Database) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    kept = await _delivered(repo, "yesterday")
    clock.advance(timedelta(days=1).total_seconds())

    assert await OutboxPurge(repo, now=clock).run_once() == 0
    clock.advance((RETENTION - timedelta(days=1)).total_seconds() + 1)
    assert await OutboxPurge(repo, now=clock).run_once() == 1
    assert await repo.get(kept) is None
