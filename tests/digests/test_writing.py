"""A fire's digests written to the outbox in transactions, as `serve` writes them: a chunk is a few
statements whatever its size, and a claim lost meanwhile is neither posted nor recorded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from bot.blocks.message import Message
from bot.services.digests.service import COMMIT_CHUNK, DigestService
from bot.services.digests.writing import DigestWriter, Due, FireOutcome, Plan
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.runtime.outbox import OutboxPoster
from bot.storage.claims import ClaimRepo
from bot.storage.db import Database
from bot.storage.digest_state import DigestStateRepo
from bot.storage.outbox import OutboxRepo
from bot.storage.subscriptions import Subscription, SubscriptionRepo
from tests.blocks.factory import connection
from tests.digests.fakes import FakeFivetran, digest_clock
from tests.fakes import FakeClock

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAILING = {
    "failed_at": (NINE - timedelta(hours=1)).isoformat(),
    "succeeded_at": (NINE - timedelta(hours=3)).isoformat(),
}


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The statements sent to the database meanwhile (an executemany is one)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def _subscriptions(database: Database, clock: FakeClock, n: int) -> list[Subscription]:
    repo = SubscriptionRepo(database, clock=clock)
    return [
        await repo.add(
            kind="digest", channel_id=f"C{i % 5}", created_by="U1", timezone="UTC", schedule="hourly"
        )
        for i in range(n)
    ]


def _service(database: Database, clock: FakeClock, outbox: OutboxRepo) -> DigestService:
    fivetran: Any = FakeFivetran([connection(id="a", **FAILING), connection(id="b")])
    return DigestService(
        SubscriptionRepo(database, clock=clock),
        ClaimRepo(database, clock=clock),
        DigestStateRepo(database),
        SnapshotCache(fivetran, ttl=30.0, clock=clock.timestamp, now=clock),
        OutboxPoster(outbox, origin="digest"),
        default_tz="UTC",
        holder="me",
        now=clock,
        unit=database.unit,
    )


async def test_a_fire_writes_each_chunk_in_a_few_statements_and_keeps_each_channels_order(
    database: Database,
) -> None:
    clock = digest_clock()
    outbox = OutboxRepo(database, clock=clock)
    service = _service(database, clock, outbox)
    subs = await _subscriptions(database, clock, 2 * COMMIT_CHUNK + 10)
    clock.set(NINE)

    with statements(database) as sent:
        outcomes = await service.fire_batch([(s.id, NINE) for s in subs])

    assert outcomes == [FireOutcome.POSTED] * len(subs)
    # Each digest its claim, its post and its state: three statements a digest before, a few a chunk now
    # (3 chunks: each BEGIN, claims, posts, states, COMMIT), besides the batch's reads and claims.
    assert len(sent) <= 5 * 3 + 8 < len(subs)
    rows = await outbox.pending()
    assert [r.channel_id for r in rows] == [s.channel_id for s in subs]
    assert {r.text for r in rows} == {rows[0].text} and rows[0].blocks
    claims = ClaimRepo(database, clock=clock)
    assert {(c.outcome if c else None) for c in [await claims.get(s.id, NINE) for s in subs]} == {"posted"}
    states = await DigestStateRepo(database).get_many(s.id for s in subs)
    assert {sid: dict(state.last_problems) for sid, state in states.items()} == {
        s.id: {"a": "failing"} for s in subs
    }


async def test_a_claim_taken_over_before_its_chunk_is_written_is_neither_posted_nor_recorded(
    database: Database,
) -> None:
    clock = digest_clock()
    clock.set(NINE)
    outbox, claims, states = (
        OutboxRepo(database, clock=clock),
        ClaimRepo(database, clock=clock),
        DigestStateRepo(database),
    )
    subs = await _subscriptions(database, clock, 3)
    assert await claims.try_claim_many([(s.id, NINE) for s in subs], "me", lease_s=30) == [True] * 3
    clock.advance(31)  # a long fetch: our leases ran out, and another replica took the second over
    assert await claims.try_claim(subs[1].id, NINE, "other", lease_s=60)
    writer = DigestWriter(
        claims, states, OutboxPoster(outbox, origin="digest"), holder="me", now=clock, unit=database.unit
    )
    plan = Plan(Message("digest", [{"type": "divider"}]), {"a": "failing"}, "posted", FireOutcome.POSTED)
    chunk = [(i, Due(s, NINE, clock() + timedelta(seconds=60)), plan) for i, s in enumerate(subs)]

    written = await writer.write(chunk, fired_at=clock())

    assert written == {0: FireOutcome.POSTED, 1: FireOutcome.FAILED, 2: FireOutcome.POSTED}
    assert [r.channel_id for r in await outbox.pending()] == [subs[0].channel_id, subs[2].channel_id]
    assert sorted(await states.get_many(s.id for s in subs)) == sorted([subs[0].id, subs[2].id])
    taken = await claims.get(subs[1].id, NINE)
    assert taken is not None and taken.holder == "other" and taken.done_at is None
