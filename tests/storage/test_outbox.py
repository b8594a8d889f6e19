from __future__ import annotations

from datetime import timedelta

from bot.storage.db import Database
from bot.storage.outbox import Delivery, OutboxRepo, placeholder, placeholder_id
from tests.fakes import FakeClock


async def enqueue(repo: OutboxRepo, channel: str, text: str = "hi", **kw: object) -> int:
    return await repo.enqueue(channel=channel, action="post", origin="alert", text=text, blocks=[], **kw)  # type: ignore[arg-type]


async def test_only_the_head_of_each_channel_is_claimed_and_only_by_one_holder(database: Database) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    first = await enqueue(repo, "C1")
    await enqueue(repo, "C1")
    other = await enqueue(repo, "C2")

    a = await repo.claim_heads("a", 60, limit=10)
    b = await repo.claim_heads("b", 60, limit=10)

    assert sorted(r.id for r in a) == [first, other]
    assert b == []


async def test_a_head_whose_holder_died_is_taken_over_after_its_lease(database: Database) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    row = await enqueue(repo, "C1")
    assert [r.id for r in await repo.claim_heads("dead", 60, limit=1)] == [row]
    clock.advance(59)
    assert await repo.claim_heads("b", 60, limit=1) == []
    clock.advance(2)
    assert [r.id for r in await repo.claim_heads("b", 60, limit=1)] == [row]
    assert not await repo.delivered(row, "dead", "1.1")  # the dead holder's late answer changes nothing
    assert await repo.delivered(row, "b", "1.2")


async def test_the_next_message_of_a_channel_waits_for_the_one_before_it(database: Database) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    first = await enqueue(repo, "C1")
    second = await enqueue(repo, "C1")
    (head,) = await repo.claim_heads("a", 60, limit=5)
    await repo.retry_later(head.id, "a", "http_500", clock() + timedelta(seconds=10))

    assert await repo.claim_heads("a", 60, limit=5) == []  # the first is backing off; the second waits too
    clock.advance(10)
    (again,) = await repo.claim_heads("a", 60, limit=5)
    assert again.id == first and again.attempts == 1 and again.last_error == "http_500"
    await repo.delivered(first, "a", "1.1")
    assert [r.id for r in await repo.claim_heads("a", 60, limit=5)] == [second]


async def test_delivery_replaces_the_placeholder_stored_for_an_alert(database: Database) -> None:
    from bot.storage.alert_messages import AlertMessageRepo

    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    row = await enqueue(repo, "C1")
    alerts = AlertMessageRepo(database)
    await alerts.open(connection_id="c1", channel_id="C1", ts=placeholder(row), subscription_id=None)
    await repo.claim_heads("a", 60, limit=1)

    await repo.delivered(row, "a", "1700000000.000100")

    found = await alerts.find_open("c1", "C1")
    assert found is not None and found.ts == "1700000000.000100"
    assert placeholder_id(placeholder(row)) == row and placeholder_id("1.2") is None


async def test_stats_count_what_is_owed_and_the_oldest(database: Database) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    assert (await repo.stats()).depth == 0
    start = clock()
    await enqueue(repo, "C1")
    clock.advance(5)
    await enqueue(repo, "C2")

    stats = await repo.stats()

    assert stats.depth == 2 and stats.oldest == start


async def test_a_unit_commits_the_row_with_the_change_or_neither(database: Database) -> None:
    repo = OutboxRepo(database, clock=FakeClock())
    try:
        async with database.unit():
            await enqueue(repo, "C1")
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert await repo.pending() == []
    async with database.unit():
        await enqueue(repo, "C1")
    assert len(await repo.pending()) == 1


async def test_posts_enqueued_together_keep_their_order_and_each_gets_its_blocks(database: Database) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    shared: list[dict[str, object]] = [{"type": "section", "text": {"type": "mrkdwn", "text": "*all well*"}}]
    other: list[dict[str, object]] = [{"type": "divider"}]
    await repo.enqueue_posts([("C1", "a", shared), ("C2", "b", shared), ("C1", "c", other)], origin="digest")

    rows = await repo.pending()
    assert [(r.channel_id, r.text, r.blocks, r.origin, r.action) for r in rows] == [
        ("C1", "a", shared, "digest", "post"),
        ("C2", "b", shared, "digest", "post"),
        ("C1", "c", other, "digest", "post"),
    ]
    claimed = await repo.claim_heads("a", 60, limit=10)
    assert [(r.id, r.blocks) for r in claimed] == [(rows[0].id, shared), (rows[1].id, shared)]
    clock.advance(61)  # the same text claimed again, by a pass that decoded it already
    assert [r.blocks for r in await repo.claim_heads("b", 60, limit=1)] == [shared]


async def test_a_pass_records_its_deliveries_together_and_only_those_still_held(database: Database) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    blocks: list[dict[str, object]] = []
    await repo.enqueue_posts([(c, "digest", blocks) for c in ("C1", "C2", "C3")], origin="digest")
    kept = await enqueue(repo, "C4")
    digest, lost, silent = (r.id for r in await repo.claim_heads("a", 60, limit=3))
    assert [r.id for r in await repo.claim_heads("a", 120, limit=1)] == [kept]
    clock.advance(61)
    assert [r.id for r in await repo.claim_heads("b", 60, limit=3)] == [digest, lost, silent]
    assert await repo.delivered(digest, "b", None)  # C1's head done meanwhile, and C2's lease is b's

    done = await repo.delivered_many(
        "a",
        [
            Delivery(digest, "1.1", kept=False),
            Delivery(lost, "1.2", kept=False),
            Delivery(kept, "1.4", kept=True),
        ],
    )

    assert done == {kept}
    assert await repo.delivered_many("b", [Delivery(lost, "1.2", kept=False), Delivery(silent, None)]) == {
        lost,
        silent,
    }
    assert [(r.ts, r.outcome) for r in [await repo.get(i) for i in (digest, lost, silent, kept)] if r] == [
        (None, "delivered"),
        ("1.2", "delivered"),
        (None, "delivered"),
        ("1.4", "delivered"),
    ]


async def test_a_record_and_the_next_claim_share_a_transaction_and_heads_are_chosen_after_the_record(
    database: Database,
) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    await repo.enqueue_posts(
        [("C1", "first", []), ("C1", "second", []), ("C2", "other", []), ("C3", "third", [])], origin="digest"
    )
    first, other = await repo.claim_heads("a", 60, limit=2)
    clock.advance(61)
    assert [r.id for r in await repo.claim_heads("b", 60, limit=1, skip=frozenset({"C1"}))] == [other.id]

    done, claimed = await repo.delivered_and_claim(
        "a", [Delivery(first.id, "1.1", kept=False), Delivery(other.id, "1.2", kept=False)], 60, limit=5
    )

    assert done == {first.id}  # C2's head is b's now: not marked
    assert [r.text for r in claimed] == ["second", "third"]  # C1's next is its head once the first is done
    assert [(r.text, r.done_at is None) for r in await repo.pending()] == [
        ("second", True),
        ("other", True),
        ("third", True),
    ]
    done, claimed = await repo.delivered_and_claim("a", [], 60, limit=5, skip=frozenset({"C2"}))
    assert (done, claimed) == (set(), [])  # nothing to record, and the rest held or skipped


async def test_a_record_of_more_rows_than_one_statement_marks_each_with_its_own_ts(
    database: Database,
) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    await repo.enqueue_posts([(f"C{n}", "digest", []) for n in range(40)], origin="digest")
    rows = await repo.claim_heads("a", 60, limit=40)

    done = await repo.delivered_many("a", [Delivery(r.id, f"1.{r.id}", kept=False) for r in rows])

    assert done == {r.id for r in rows}
    assert [(r.ts, r.outcome) for r in [await repo.get(row.id) for row in rows] if r] == [
        (f"1.{row.id}", "delivered") for row in rows
    ]
