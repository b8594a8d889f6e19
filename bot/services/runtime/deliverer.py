"""The deliverer: sends what the outbox holds, exactly once across replicas, in order within a channel.

Each pass claims the heads of the channels that are due (`OutboxRepo.claim_heads`, a lease per row, so a
replica killed mid-delivery leaves a row another takes once the lease ran out) and sends them, channels in
parallel. Slack takes about a message a second per channel: a channel just posted to is skipped until its
second is over, so no claim and no posting slot is held through that wait.

Slack's answers decide what happens to a row:
- accepted: done, with the ts recorded at once (it replaces the row's placeholder wherever stored; an
  edit of a message deleted meanwhile is posted anew, and the new ts replaces the deleted one's);
- 5xx, a timeout, the network, 429: tried again with backoff (a 429's `Retry-After` honoured), for up to
  `give_up_after` (24 hours), then given up with an error in the log;
- refused for good (`PostError`: not_in_channel, invalid_blocks, …): done, with a warning.
A message sent after a failed attempt and a wait says so (`delayed 12m: Slack was unavailable`).

A post that Slack accepted but whose answer never came back (the process killed in between) cannot be
told from one Slack never got: it is posted again. The window is one pass (its posts go out at once, and
the rows Slack took are recorded together when the last answer is in, in one transaction: after a full
pass, the one that claims the next); everything else is once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.blocks.delayed import with_delay_note
from bot.blocks.message import Message
from bot.clock import Now, Sleep, utcnow
from bot.services.runtime.background import Periodic
from bot.services.runtime.outbox import PLACEHOLDER_NOT_KEPT
from bot.services.runtime.posting import MessageRef, PostError, SlackUnavailable
from bot.storage.outbox import Delivery, OutboxRepo, OutboxRow

log = logging.getLogger(__name__)

LEASE_S = 60.0  # one Slack call (30 s timeout at most) and the bookkeeping fit in it
GIVE_UP_AFTER = timedelta(hours=24)
MAX_BACKOFF_S = 60.0
POLL_S = 2.0  # how often a replica looks for rows others wrote (its own posts wake it at once)
PACE_S = 1.0  # Slack's pace per channel
WOKEN_RECHECK_S = 0.2
CONCURRENCY = 8  # channels sent to at once
# Channels a pass posted to come free within a few ms of each other (each a second after its own answer):
# the next pass waits this much longer for the rest of them, so that they go in one pass, not one each.
GATHER_S = 0.025
DELAY_NOTE_AFTER = timedelta(seconds=60)  # a message that waited less than this says nothing of it
# Slack's answers to chat.update meaning the message was deleted meanwhile: the news is posted anew.
GONE = frozenset({"message_not_found", "cant_update_message"})


class SlackSender(Protocol):
    """What the deliverer needs of Slack (`bot.slack.direct_post.DirectPoster` for posts once a session is
    open, `bot.slack.poster.SlackPoster` otherwise; unpaced: pacing is here)."""

    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> MessageRef: ...

    async def update(self, channel: str, ts: str, message: Message) -> None: ...


class DeliveryObserver(Protocol):
    """Told every attempt's outcome and, once a poll at most, the backlog (BotMetrics exports both)."""

    def outbox_delivery(self, outcome: str) -> None: ...

    def outbox_backlog(self, depth: int, oldest_age_s: float) -> None: ...


class _Unobserved:
    def outbox_delivery(self, outcome: str) -> None:
        pass

    def outbox_backlog(self, depth: int, oldest_age_s: float) -> None:
        pass


def backoff(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: 2, 4, 8, … up to a minute."""
    return min(MAX_BACKOFF_S, 2.0 ** max(1, attempts))


class _Gone(Exception):
    """The message an update was for never reached Slack: nothing to edit."""


class Deliverer:
    def __init__(
        self,
        repo: OutboxRepo,
        slack: SlackSender,
        *,
        holder: str,
        now: Now = utcnow,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        lease_s: float = LEASE_S,
        poll_s: float = POLL_S,
        pace_s: float = PACE_S,
        give_up_after: timedelta = GIVE_UP_AFTER,
        observer: DeliveryObserver | None = None,
    ) -> None:
        self._repo = repo
        self._slack = slack
        self.holder = holder
        self._now = now
        self._sleep = sleep
        self._lease_s = lease_s
        self._poll_s = poll_s
        self._pace_s = pace_s
        self._give_up_after = give_up_after
        self._observer = observer or _Unobserved()
        # Pacing is Slack's, in real seconds: on `clock`, not on the wall clock `now`, which a test (or
        # an NTP step) may hold still or move, and would then hold a channel back or let it flood.
        self._clock = clock
        self._paced: dict[str, float] = {}
        self._woken = asyncio.Event()
        self._backlog_due = float("-inf")  # when the loop next tells the observer the backlog
        self._was_woken = False
        # a failed pass (the database away) is logged; the next one retries
        self._loop = Periodic("outbox-deliverer", self._pass, every=poll_s, pause=self._pause)

    def wake(self) -> None:
        """Something was just written: look now rather than at the next poll."""
        self._woken.set()

    async def backlog(self) -> tuple[int, float]:
        """How many messages are owed and how old the oldest is (seconds), told to the observer too."""
        stats = await self._repo.stats()
        age = 0.0 if stats.oldest is None else max(0.0, (self._now() - stats.oldest).total_seconds())
        self._observer.outbox_backlog(stats.depth, age)
        return stats.depth, age

    async def run_once(self) -> int:
        """Passes while each comes back full: claims the due channel heads and sends them, and after a
        full pass records it and claims the next in one transaction. Ends after a pass short of a full
        one (nothing else unpaced was due). Returns how many rows were settled."""
        rows = await self._repo.claim_heads(self.holder, self._lease_s, limit=CONCURRENCY, skip=self._skip())
        settled = 0
        while rows:
            # A row that failed to settle (the database away) must not keep the others Slack took from
            # being recorded: they would be posted again after their lease.
            sent = await asyncio.gather(*(self._deliver(row) for row in rows), return_exceptions=True)
            taken = [(row, d) for row, d in zip(rows, sent, strict=True) if isinstance(d, Delivery)]
            failures = [failure for failure in sent if isinstance(failure, BaseException)]
            settled += len(rows)
            # Nothing claimed before a failure is raised: it would be held, unsent, till its lease ran out.
            rows = await self._record(taken, claim=len(rows) >= CONCURRENCY and not failures)
            for failure in failures:
                raise failure
        return settled

    def _skip(self) -> frozenset[str]:
        """The channels still within their second (the others' times forgotten)."""
        moment = self._clock()
        self._paced = {c: t for c, t in self._paced.items() if t > moment}
        return frozenset(self._paced)

    async def _record(self, sent: list[tuple[OutboxRow, Delivery]], *, claim: bool) -> list[OutboxRow]:
        """Marks a pass's rows Slack took as delivered, in one transaction (one UPDATE for those with no
        ts to replace elsewhere: a pass of 8 digests was 8 transactions of their own); with `claim`, the
        next pass's rows are claimed in it too (returned): a full pass left more due at once, and its
        record and the next claim were two transactions of ~0.2 ms each for SQLite's lock alone."""
        deliveries = [delivery for _, delivery in sent]
        rows: list[OutboxRow] = []
        if claim:
            ours, rows = await self._repo.delivered_and_claim(
                self.holder, deliveries, self._lease_s, limit=CONCURRENCY, skip=self._skip()
            )
        else:
            ours = await self._repo.delivered_many(self.holder, deliveries)
        for row, _ in sent:
            await self._settle(row, row.id in ours)
            self._observer.outbox_delivery("delivered" if row.attempts == 0 else "delivered_late")
        return rows

    def wait_s(self, longest: float) -> float:
        """How long to wait before the next pass: `longest`, or less when a paced channel is free
        sooner (with those free within `GATHER_S` after it). Waiting a whole second whenever any channel
        was paced made 50 channels' second and later digests wait up to a second each round (200 digests
        in 50 channels: 9 s where 3 s would do); waiting for the first alone made a pass of each channel
        (a fire's 200 digests were 75 passes where 25 would do)."""
        if not self._paced:
            return longest
        earliest = min(self._paced.values())
        free = max(t for t in self._paced.values() if t <= earliest + GATHER_S) - self._clock()
        return max(0.0, min(longest, free))

    async def drain(self, *, passes: int = 100) -> None:
        """Passes until nothing is due (tests and shutdown); pacing waits go through the injected sleep."""
        for _ in range(passes):
            if not await self.run_once():
                if not self._paced:
                    return
                await self._sleep(self.wait_s(self._pace_s))

    async def _deliver(self, row: OutboxRow) -> Delivery | None:
        """Sends one row; what to record when Slack took it (the pass records them together), None when
        it was settled otherwise (refused, to try later, given up)."""
        now = self._now()
        try:
            ts, replaces = await self._send(row, now)
        except _Gone:
            await self._settle(row, await self._repo.finish(row.id, self.holder, "skipped: nothing to edit"))
            self._observer.outbox_delivery("skipped")
            return None
        except PostError as error:
            log.warning(
                "outbox %d (%s) refused by Slack in %s: %s", row.id, row.origin, row.channel_id, error.code
            )
            await self._settle(row, await self._repo.finish(row.id, self.holder, f"refused: {error.code}"))
            self._observer.outbox_delivery("refused")
            return None
        except Exception as error:  # every other failure is worth trying again
            await self._later(row, error, now)
            return None
        finally:
            self._paced[row.channel_id] = self._clock() + self._pace_s
        return Delivery(row.id, ts, replaces, kept=row.origin not in PLACEHOLDER_NOT_KEPT)

    async def _send(self, row: OutboxRow, now: datetime) -> tuple[str | None, str | None]:
        """Slack's ts of the message now showing the row, and the ts of a deleted one it replaced."""
        target = await self._target(row)
        message = Message(row.text, row.blocks)
        waited = now - row.created_at
        if row.attempts and waited >= DELAY_NOTE_AFTER and row.action != "update":
            message = with_delay_note(message, waited, "Slack was unavailable")
        if row.action == "update":
            if target is None:
                raise _Gone
            try:
                await self._slack.update(row.channel_id, target, message)
            except PostError as error:
                if error.code not in GONE:
                    raise
                return (await self._slack.post(row.channel_id, message)).ts, target
            return target, None
        # a reply whose parent never reached Slack is still news: posted in the channel instead
        ref = await self._slack.post(row.channel_id, message, thread_ts=target, broadcast=row.broadcast)
        return ref.ts, None

    async def _target(self, row: OutboxRow) -> str | None:
        if row.after_id is None:
            return row.target_ts
        parent = await self._repo.get(row.after_id)
        if parent is not None and parent.done_at is None:
            # its parent is in another channel's queue, or was written later: not yet
            raise SlackUnavailable("waiting_for_parent")
        return None if parent is None else parent.ts

    async def _later(self, row: OutboxRow, error: Exception, now: datetime) -> None:
        code = error.code if isinstance(error, SlackUnavailable | PostError) else type(error).__name__
        if now - row.created_at >= self._give_up_after:
            log.error(
                "outbox %d (%s) for %s given up after %d attempts over %s: %s",
                row.id,
                row.origin,
                row.channel_id,
                row.attempts + 1,
                now - row.created_at,
                code,
            )
            await self._settle(row, await self._repo.finish(row.id, self.holder, f"gave up: {code}"))
            self._observer.outbox_delivery("gave_up")
            return
        retry_after = error.retry_after if isinstance(error, SlackUnavailable) else None
        wait = retry_after if retry_after is not None else backoff(row.attempts + 1)
        log.warning(
            "outbox %d (%s) for %s not delivered (%s); again in %.0fs",
            row.id,
            row.origin,
            row.channel_id,
            code,
            wait,
        )
        await self._settle(
            row, await self._repo.retry_later(row.id, self.holder, code, now + timedelta(seconds=wait))
        )
        self._observer.outbox_delivery("retry")

    async def _settle(self, row: OutboxRow, ours: bool) -> None:
        if not ours:
            log.warning("outbox %d: lease ran out during delivery; another replica holds it now", row.id)

    # --- running in the background ----------------------------------------------------------------------

    def start(self) -> None:
        self._loop.start()

    @property
    def running(self) -> bool:
        return self._loop.running

    async def stop(self) -> None:
        await self._loop.stop()

    async def _pass(self) -> float:
        """Passes until one is short of a full one (`run_once`); how long to wait before the next."""
        self._woken.clear()
        await self.run_once()
        # Its last pass was short of a full one: nothing else was due but paced channels, waited for
        # below. What is written meanwhile wakes the pause; what falls due otherwise (a retry's time) is
        # the poll's.
        # The backlog once a poll at most: a fire's 200 digests in 50 paced channels left ~25 passes
        # with nothing due yet, each one more query for a gauge scraped every few seconds.
        if self._clock() >= self._backlog_due:
            self._backlog_due = self._clock() + self._poll_s
            await self.backlog()
        # A wake comes from inside the writer's transaction, which may not have committed when this
        # pass looked (PostgreSQL): look again soon rather than at the next poll.
        soon = WOKEN_RECHECK_S if self._was_woken else self._poll_s
        return self.wait_s(soon)

    async def _pause(self, seconds: float) -> None:
        """The injected sleep, cut short by `wake`."""
        sleeping = asyncio.ensure_future(self._sleep(seconds))
        woken = asyncio.ensure_future(self._woken.wait())
        try:
            await asyncio.wait({sleeping, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (sleeping, woken):
                waiting.cancel()
        self._was_woken = woken.done() and not woken.cancelled()
