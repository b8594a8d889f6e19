"""The deliverer against a fake Slack that answers 500, 429 and timeouts before it answers OK."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import event

from bot.blocks.message import Message
from bot.services.runtime.deliverer import CONCURRENCY, POLL_S, WOKEN_RECHECK_S, Deliverer
from bot.services.runtime.outbox import OutboxPoster
from bot.services.runtime.posting import Located, MessageRef, PostError, SlackUnavailable
from bot.storage.db import Database
from bot.storage.outbox import Delivery, OutboxRepo, OutboxRow
from tests.fakes import FakeClock


@dataclass
class FakeSlack:
    """Fails with each queued error in turn, then accepts; records what it accepted."""

    failures: list[Exception] = field(default_factory=list)
    posted: list[tuple[str, str, str | None]] = field(default_factory=list)  # channel, text, thread
    edited: list[tuple[str, str, str]] = field(default_factory=list)  # channel, ts, text

    def _fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> MessageRef:
        self._fail()
        self.posted.append((channel, message.text, thread_ts))
        return MessageRef(channel, f"{1700000000 + len(self.posted)}.000100")

    async def update(self, channel: str, ts: str, message: Message) -> None:
        self._fail()
        self.edited.append((channel, ts, message.text))


@dataclass
class Sleeps:
    clock: FakeClock
    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def setup(database: Database, clock: FakeClock, slack: FakeSlack) -> tuple[OutboxPoster, Deliverer]:
    repo = OutboxRepo(database, clock=clock)
    deliverer = Deliverer(repo, slack, holder="h1", now=clock, clock=clock.timestamp, sleep=Sleeps(clock))
    return OutboxPoster(repo), deliverer


async def test_500_429_and_a_timeout_are_retried_then_posted_once_saying_it_waited(
    database: Database, clock: FakeClock
) -> None:
    slack = FakeSlack(
        [
            SlackUnavailable("http_500"),
            SlackUnavailable("ratelimited", retry_after=30),
            SlackUnavailable("TimeoutError"),
        ]
    )
    poster, deliverer = setup(database, clock, slack)
    await poster.post("C1", Message("alert", [{"type": "section", "text": {"type": "mrkdwn", "text": "a"}}]))

    await deliverer.run_once()  # 500: again in 2s
    clock.advance(2)
    await deliverer.run_once()  # 429: again after Retry-After
    clock.advance(29)
    assert await deliverer.run_once() == 0  # Retry-After honoured: not before 30 s
    clock.advance(1)
    await deliverer.run_once()  # timeout: again in 8s
    clock.advance(40)
    await deliverer.run_once()

    assert [p[1] for p in slack.posted] == ["alert"]
    assert await poster.repo.pending() == []


async def test_a_message_that_waited_says_so_in_a_context_line(database: Database, clock: FakeClock) -> None:
    slack = FakeSlack([SlackUnavailable("http_500")])
    repo = OutboxRepo(database, clock=clock)
    captured: list[Message] = []

    class Recording(FakeSlack):
        async def post(
            self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
        ) -> MessageRef:
            ref = await super().post(channel, message, thread_ts=thread_ts)
            captured.append(message)
            return ref

    recording = Recording(slack.failures)
    deliverer = Deliverer(repo, recording, holder="h1", now=clock, clock=clock.timestamp, sleep=Sleeps(clock))
    await OutboxPoster(repo).post("C1", Message("alert", [{"type": "divider"}]))
    await deliverer.run_once()
    clock.advance(12 * 60)
    await deliverer.run_once()

    (message,) = captured
    assert message.blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "_delayed 12m: Slack was unavailable_"}],
    }


async def test_a_recovery_threads_under_its_alert_once_the_alert_has_a_ts(
    database: Database, clock: FakeClock
) -> None:
    slack = FakeSlack()
    poster, deliverer = setup(database, clock, slack)
    alert = await poster.post("C1", Message("failed"))
    await poster.post("C1", Message("recovered"), thread_ts=alert.ts)
    await poster.update("C1", alert.ts, Message("recovered after 5m"))

    await deliverer.drain()

    (first, reply) = slack.posted
    assert first[2] is None and reply == ("C1", "recovered", "1700000001.000100")
    assert slack.edited == [("C1", "1700000001.000100", "recovered after 5m")]


async def test_a_channel_is_paced_without_holding_other_channels(
    database: Database, clock: FakeClock
) -> None:
    slack = FakeSlack()
    poster, deliverer = setup(database, clock, slack)
    await poster.post("C1", Message("one"))
    await poster.post("C1", Message("two"))
    await poster.post("C2", Message("other"))

    await deliverer.run_once()
    assert sorted(p[1] for p in slack.posted) == ["one", "other"]
    assert await deliverer.run_once() == 0  # C1 posted less than a second ago: skipped, not slept on
    clock.advance(1)
    await deliverer.run_once()
    assert [p[1] for p in slack.posted][-1] == "two"


async def test_the_wait_before_the_next_pass_ends_when_the_first_paced_channel_is_free(
    database: Database, clock: FakeClock
) -> None:
    poster, deliverer = setup(database, clock, FakeSlack())
    assert deliverer.wait_s(2.0) == 2.0  # nothing paced: the poll interval
    await poster.post("C1", Message("one"))
    await deliverer.run_once()
    clock.advance(0.25)
    await poster.post("C2", Message("other"))
    await deliverer.run_once()
    clock.advance(0.5)

    assert deliverer.wait_s(2.0) == pytest.approx(0.25)  # C1 is free in a quarter of a second
    assert deliverer.wait_s(0.2) == pytest.approx(0.2)
    clock.advance(1)
    assert deliverer.wait_s(2.0) == 0.0


async def test_channels_freed_within_a_few_ms_of_the_first_are_waited_for_and_go_in_one_pass(
    database: Database, clock: FakeClock
) -> None:
    slack = FakeSlack()
    poster, deliverer = setup(database, clock, slack)
    for step, channel in enumerate(["C1", "C2", "C3", "C4"]):
        await poster.post(channel, Message(f"{channel} first"))
        await poster.post(channel, Message(f"{channel} second"))
        await deliverer.run_once()
        # C2 and C3 answered 5 and 20 ms after C1; C4 a tenth of a second after
        clock.advance([0.005, 0.015, 0.08, 0.0][step])

    wait = deliverer.wait_s(2.0)
    assert wait == pytest.approx(1.0 - 0.1 + 0.02)  # until C3 is free too, not C4
    clock.advance(wait)
    assert await deliverer.run_once() == 3
    assert [p[1] for p in slack.posted[-3:]] == ["C1 second", "C2 second", "C3 second"]
    assert await deliverer.run_once() == 0  # C4's second is not over: paced still


class LoopSleeps:
    """The started deliverer's sleep, driven by the test: each wait is noted, and the loop held in it
    until `go` (which moves the clock by that wait); a wake ends it early, the clock unmoved."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []
        self._asleep = asyncio.Event()
        self._go = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self._asleep.set()
        await self._go.wait()
        self._go.clear()
        self.clock.advance(seconds)

    async def asleep(self) -> float:
        """Once the loop sleeps: how long it asked to."""
        await asyncio.wait_for(self._asleep.wait(), 5)
        self._asleep.clear()
        return self.waits[-1]

    def go(self) -> None:
        self._go.set()


class CountedClaims(OutboxRepo):
    """The real repo, noting how many rows each claim took (a pass is one claim)."""

    def __init__(self, database: Database, *, clock: FakeClock) -> None:
        super().__init__(database, clock=clock)
        self.claimed: list[int] = []

    async def claim_heads(
        self, holder: str, lease_s: float, *, limit: int, skip: frozenset[str] = frozenset()
    ) -> list[OutboxRow]:
        rows = await super().claim_heads(holder, lease_s, limit=limit, skip=skip)
        self.claimed.append(len(rows))
        return rows

    async def delivered_and_claim(
        self,
        holder: str,
        deliveries: Sequence[Delivery],
        lease_s: float,
        *,
        limit: int,
        skip: frozenset[str] = frozenset(),
    ) -> tuple[set[int], list[OutboxRow]]:
        done, rows = await super().delivered_and_claim(holder, deliveries, lease_s, limit=limit, skip=skip)
        self.claimed.append(len(rows))
        return done, rows


async def test_a_pass_short_of_a_full_one_waits_rather_than_claiming_again_and_a_full_one_goes_on_at_once(
    database: Database, clock: FakeClock
) -> None:
    slack, repo, sleeps = FakeSlack(), CountedClaims(database, clock=clock), LoopSleeps(clock)
    deliverer = Deliverer(repo, slack, holder="h1", now=clock, clock=clock.timestamp, sleep=sleeps)
    poster = OutboxPoster(repo)
    await poster.post("C1", Message("first of two"))
    await poster.post("C1", Message("second of two"))

    deliverer.start()
    try:
        assert await sleeps.asleep() == pytest.approx(1.0)  # C1's next is due in its second, not now
        assert repo.claimed == [1] and [p[1] for p in slack.posted] == ["first of two"]
        for channel in range(CONCURRENCY + 1):
            await poster.post(f"D{channel}", Message("many"))
        sleeps.go()
        assert await sleeps.asleep() > 0.0
    finally:
        await deliverer.stop()

    # a whole pass taken (more may be due): the next one at once, with no wait between them
    assert repo.claimed == [1, CONCURRENCY, 2] and len(sleeps.waits) == 2
    assert len(slack.posted) == CONCURRENCY + 3


def count_transactions(database: Database) -> list[int]:
    """Transactions begun on `database` from now on (one item each)."""
    begun: list[int] = []
    event.listen(database.engine.sync_engine, "begin", lambda _connection: begun.append(1))
    return begun


async def test_a_full_pass_records_itself_and_claims_the_next_in_one_transaction(
    database: Database, clock: FakeClock
) -> None:
    slack = FakeSlack()
    poster, deliverer = setup(database, clock, slack)
    await poster.post_many([(f"C{n:02d}", Message(f"digest {n}")) for n in range(2 * CONCURRENCY + 1)])
    begun = count_transactions(database)

    assert await deliverer.run_once() == 2 * CONCURRENCY + 1

    # claim; record the first 8 and claim the next 8; record those and claim the last; record it
    assert len(begun) == 4
    assert sorted(p[1] for p in slack.posted) == sorted(f"digest {n}" for n in range(2 * CONCURRENCY + 1))
    assert await poster.repo.pending() == []


async def test_a_message_written_while_the_deliverer_waits_wakes_it_and_it_looks_again_soon(
    database: Database, clock: FakeClock
) -> None:
    slack, repo, sleeps = FakeSlack(), OutboxRepo(database, clock=clock), LoopSleeps(clock)
    deliverer = Deliverer(repo, slack, holder="h1", now=clock, clock=clock.timestamp, sleep=sleeps)
    poster = OutboxPoster(repo, wake=deliverer.wake)

    deliverer.start()
    try:
        assert await sleeps.asleep() == POLL_S  # nothing owed: until the next poll
        started = clock()
        await poster.post("C1", Message("now"))
        # the writer's transaction may not have committed when it looked (PostgreSQL): soon again
        assert await sleeps.asleep() == WOKEN_RECHECK_S
    finally:
        await deliverer.stop()

    assert [p[1] for p in slack.posted] == ["now"] and clock() == started  # not at the next poll


async def test_a_refusal_is_final_and_an_outage_over_24_hours_is_given_up(
    database: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    slack = FakeSlack([PostError("not_in_channel")] + [SlackUnavailable("http_503")] * 2000)
    poster, deliverer = setup(database, clock, slack)
    await poster.post("C1", Message("refused"))
    await poster.post("C2", Message("never"))

    start = clock()
    while await poster.repo.pending():
        await deliverer.run_once()
        clock.advance(30 * 60)

    assert slack.posted == []
    assert timedelta(hours=24) <= clock() - start <= timedelta(hours=25)  # tried a whole day, then no more
    assert any("given up" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


async def test_two_deliverers_send_a_message_once(database: Database, clock: FakeClock) -> None:
    slack = FakeSlack()
    repo = OutboxRepo(database, clock=clock)
    a = Deliverer(repo, slack, holder="a", now=clock, clock=clock.timestamp, sleep=Sleeps(clock))
    b = Deliverer(repo, slack, holder="b", now=clock, clock=clock.timestamp, sleep=Sleeps(clock))
    await OutboxPoster(repo).post("C1", Message("once"))

    await asyncio.gather(a.run_once(), b.run_once())

    assert [p[1] for p in slack.posted] == ["once"]


async def test_two_deliverers_passing_together_post_every_row_once_and_each_channel_in_order(
    database: Database, clock: FakeClock
) -> None:
    slack = FakeSlack()
    a, b = (
        Deliverer(OutboxRepo(database, clock=clock), slack, holder=h, now=clock, clock=clock.timestamp)
        for h in ("a", "b")
    )
    # 3 rows in each of 20 channels: full passes, each recorded with the next one's claim
    await OutboxPoster(OutboxRepo(database, clock=clock)).post_many(
        [(f"C{n % 20:02d}", Message(f"{n}")) for n in range(60)]
    )

    for _ in range(4):
        await asyncio.gather(a.run_once(), b.run_once())
        clock.advance(1)

    assert sorted(int(text) for _, text, _ in slack.posted) == list(range(60))
    for channel in {c for c, _, _ in slack.posted}:
        sent = [int(text) for c, text, _ in slack.posted if c == channel]
        assert sent == sorted(sent)


async def test_an_edit_of_a_deleted_message_is_posted_anew_and_what_follows_goes_to_the_new_one(
    database: Database, clock: FakeClock
) -> None:
    slack = FakeSlack([PostError("message_not_found")])
    poster, deliverer = setup(database, clock, slack)
    await poster.update("C1", "1600000000.000100", Message("succeeded"))  # someone deleted that message
    await poster.post("C1", Message("<@U1> it ended"), thread_ts="1600000000.000100")

    await deliverer.drain()

    (anew, reply) = slack.posted
    assert anew == ("C1", "succeeded", None)
    assert reply == ("C1", "<@U1> it ended", "1700000001.000100")  # under the new message, not the deleted


async def test_the_pace_is_kept_in_real_seconds_whatever_the_wall_clock_does(
    database: Database, clock: FakeClock
) -> None:
    """A wall clock held still (a driven test clock, an NTP step back) neither holds a channel back for
    ever nor lets it flood: pacing reads the monotonic clock."""
    slack, seconds = FakeSlack(), FakeClock()
    repo = OutboxRepo(database, clock=clock)
    deliverer = Deliverer(repo, slack, holder="h1", now=clock, clock=seconds.timestamp, sleep=Sleeps(seconds))
    await OutboxPoster(repo).post("C1", Message("one"))
    await OutboxPoster(repo).post("C1", Message("two"))

    await deliverer.run_once()
    clock.advance(3600)  # the wall clock jumps: still within the second, so not yet
    assert await deliverer.run_once() == 0
    seconds.advance(1)  # a real second later, the wall clock unmoved since
    await deliverer.run_once()
    assert [p[1] for p in slack.posted] == ["one", "two"]


async def test_locate_tells_a_message_owed_from_one_slack_has_and_one_it_refused(
    database: Database, clock: FakeClock
) -> None:
    slack = FakeSlack([PostError("not_in_channel")])
    poster, deliverer = setup(database, clock, slack)
    refused = await poster.post("C1", Message("refused"))
    owed = await poster.post("C2", Message("owed"))

    assert await poster.locate(owed.ts) == Located(owed.ts, sent=False)
    assert await poster.locate("1600000000.000100") == Located("1600000000.000100", sent=True)
    await deliverer.drain()

    assert await poster.locate(refused.ts) == Located(None, sent=False)  # nothing to edit or thread under
    assert await poster.locate(owed.ts) == Located("1700000001.000100", sent=True)


class FinishFails(OutboxRepo):
    """The database goes away just as a refused row is marked done."""

    async def finish(self, row_id: int, holder: str, outcome: str) -> bool:
        raise RuntimeError("the database went away")


async def test_a_pass_records_every_row_slack_took_even_when_another_fails_to_settle(
    database: Database, clock: FakeClock
) -> None:
    repo = FinishFails(database, clock=clock)
    slack = FakeSlack([PostError("invalid_blocks")])  # the pass's first row (C1's) is refused
    deliverer = Deliverer(repo, slack, holder="h1", now=clock, clock=clock.timestamp, sleep=Sleeps(clock))
    poster = OutboxPoster(repo, origin="digest")
    await poster.post_many([(c, Message(f"digest {c}", [])) for c in ("C1", "C2", "C3")])

    with pytest.raises(RuntimeError, match="went away"):
        await deliverer.run_once()

    assert [channel for channel, _, _ in slack.posted] == ["C2", "C3"]
    # C2's and C3's rows are done (not posted again after their lease); C1's is still owed
    assert [r.channel_id for r in await repo.pending()] == ["C1"]


async def test_a_full_pass_whose_row_failed_to_settle_claims_nothing_more(
    database: Database, clock: FakeClock
) -> None:
    repo = FinishFails(database, clock=clock)
    slack = FakeSlack([PostError("invalid_blocks")])  # the pass's first row is refused, and not settled
    deliverer = Deliverer(repo, slack, holder="h1", now=clock, clock=clock.timestamp, sleep=Sleeps(clock))
    await OutboxPoster(repo).post_many([(f"C{n}", Message(f"digest {n}")) for n in range(CONCURRENCY + 1)])

    with pytest.raises(RuntimeError, match="went away"):
        await deliverer.run_once()

    # the ninth was not claimed with the record: another replica (or this one's next pass) takes it at
    # once, where the refused one stays h1's till its lease runs out
    other = OutboxRepo(database, clock=clock)
    assert [r.text for r in await other.claim_heads("h2", 60, limit=CONCURRENCY)] == ["digest 8"]
