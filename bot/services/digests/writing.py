"""Writing a fire's digests: each one's claim completion, post and state, a chunk of them a transaction.

In a transaction (`unit`: `serve`, whose poster writes to the outbox) a chunk is written in a few
statements whatever its size: one UPDATE completes every claim of the chunk still ours (a conditional
UPDATE, which holds those claims until the commit), one write puts the posts of exactly those in the
outbox, one more their states. A digest whose claim was taken over meanwhile is neither posted nor
recorded; a failure rolls the whole chunk back, its claims stay open and are taken again after their
lease. Without a transaction (a poster that sends at once), each digest is written on its own and its
claim completed last, so that a post that failed leaves it open to be tried again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.blocks.message import Message
from bot.clock import Now
from bot.services.runtime.posting import ChannelPoster, ManyPoster, PostError
from bot.storage.claims import ClaimRepo
from bot.storage.digest_state import DigestStateRepo
from bot.storage.subscriptions import Subscription

log = logging.getLogger(__name__)

Unit = Callable[[], AbstractAsyncContextManager[None]]


class FireOutcome(StrEnum):
    POSTED = "posted"
    POSTED_UNAVAILABLE = "posted-unavailable"  # Fivetran could not be reached: the digest said so
    SKIPPED_NOT_CLAIMED = "skipped-not-claimed"  # another holder has it, or it is done
    SKIPPED_ALL_HEALTHY = "skipped-all-healthy"  # only:problems and nothing to report
    SKIPPED_INACTIVE = "skipped-inactive"  # removed (or never existed) by fire time
    FAILED = "failed"


@dataclass(frozen=True)
class Due:
    sub: Subscription
    fire_time: datetime
    lease_until: datetime  # past this, another holder may have taken the fire over: do not post


@dataclass(frozen=True)
class Plan:
    message: Message | None  # None: nothing to post
    problems: Mapping[str, str] | None  # the state to keep for the next digest; None: leave it
    recorded: str  # the claim's outcome
    outcome: FireOutcome


# A digest to write: its place in the batch, what is due, what to write.
Entry = tuple[int, Due, Plan]


def _no_unit() -> AbstractAsyncContextManager[None]:
    return contextlib.nullcontext()


class DigestWriter:
    def __init__(
        self,
        claims: ClaimRepo,
        states: DigestStateRepo,
        poster: ChannelPoster,
        *,
        holder: str,
        now: Now,
        unit: Unit | None = None,
    ) -> None:
        # None: each repository call commits on its own (a poster that sends at once needs no more).
        self.transactional = unit is not None
        self.unit = unit or _no_unit
        self.claims = claims
        self.states = states
        self.poster = poster
        self.holder = holder
        self.now = now

    async def write(self, chunk: Sequence[Entry], *, fired_at: datetime) -> dict[int, FireOutcome]:
        """Writes `chunk` in one transaction; the outcome of each entry by its index."""
        written: dict[int, FireOutcome] = {}
        try:
            async with self.unit():
                if self.transactional:
                    written = await self._together(chunk)
                else:
                    for index, item, plan in chunk:
                        written[index] = await self._alone(item, plan)
        except Exception:
            # Anything else may be passing (network, the database): the claims left open are taken over
            # after their lease while the fire is still within the grace window.
            log.exception("digests at %s: writing %d digests failed", fired_at.isoformat(), len(chunk))
            if self.transactional:
                written = {}  # rolled back: none of the chunk was recorded
        for index, _, _ in chunk:
            written.setdefault(index, FireOutcome.FAILED)
        return written

    async def _together(self, chunk: Sequence[Entry]) -> dict[int, FireOutcome]:
        results: dict[int, FireOutcome] = {}
        live: list[Entry] = []
        for entry in chunk:
            if self._too_late(entry[1], entry[2]):
                results[entry[0]] = FireOutcome.FAILED
            else:
                live.append(entry)
        won = await self.claims.complete_many(
            [(item.sub.id, item.fire_time, plan.recorded) for _, item, plan in live], self.holder
        )
        ours: list[Entry] = []
        for entry in live:
            if (entry[1].sub.id, entry[1].fire_time) in won:
                ours.append(entry)
            else:
                self._taken_over(entry[1])
                results[entry[0]] = FireOutcome.FAILED
        refused = await self._post_together(ours)
        results.update(refused)
        kept = [entry for entry in ours if entry[0] not in refused]
        await self.states.put_many(
            [
                (item.sub.id, item.fire_time, plan.problems)
                for _, item, plan in kept
                if plan.problems is not None
            ]
        )
        results.update({index: plan.outcome for index, _, plan in kept})
        return results

    async def _post_together(self, ours: Sequence[Entry]) -> dict[int, FireOutcome]:
        """Posts the messages of `ours`, in order; the entries Slack refused (their claims amended)."""
        posts = [(index, item, plan.message) for index, item, plan in ours if plan.message is not None]
        if isinstance(self.poster, ManyPoster):  # the outbox: one write, and it refuses nothing
            await self.poster.post_many([(item.sub.channel_id, message) for _, item, message in posts])
            return {}
        refused: dict[int, FireOutcome] = {}
        for index, item, message in posts:
            try:
                await self.poster.post(item.sub.channel_id, message)
            except PostError as error:
                # The claim completed above commits with this transaction: its outcome says why.
                await self.claims.amend(item.sub.id, item.fire_time, self.holder, self._refused(item, error))
                refused[index] = FireOutcome.FAILED
        return refused

    async def _alone(self, item: Due, plan: Plan) -> FireOutcome:
        """One digest without a transaction: the claim is completed last, so that a post that failed
        leaves it open to be tried again."""
        if self._too_late(item, plan):
            return FireOutcome.FAILED
        sub, fire_time = item.sub, item.fire_time
        if plan.message is not None:
            try:
                await self.poster.post(sub.channel_id, plan.message)
            except PostError as error:
                await self._complete(item, self._refused(item, error))
                return FireOutcome.FAILED
        if plan.problems is not None:
            await self.states.put(sub.id, fire_time, plan.problems)
        if not await self._complete(item, plan.recorded):
            return FireOutcome.FAILED
        return plan.outcome

    def _too_late(self, item: Due, plan: Plan) -> bool:
        if plan.message is None or self.now() < item.lease_until:
            return False
        # Too slow (a long queue in this channel): the fire may be someone else's by now.
        log.warning("digest %s at %s: lease ran out before posting", item.sub.id, item.fire_time.isoformat())
        return True

    @staticmethod
    def _refused(item: Due, error: PostError) -> str:
        # Slack refused for good (not_in_channel, channel_not_found): retrying would fail the same.
        log.warning("digest %s at %s not posted: %s", item.sub.id, item.fire_time.isoformat(), error.code)
        return f"{FireOutcome.FAILED}: {error.code}"

    async def _complete(self, item: Due, outcome: str) -> bool:
        if await self.claims.complete(item.sub.id, item.fire_time, self.holder, outcome):
            return True
        self._taken_over(item)
        return False

    @staticmethod
    def _taken_over(item: Due) -> None:
        # Our lease ran out and someone took over: they may post too. Worth knowing.
        log.warning(
            "digest %s at %s: claim was taken over before it was marked done",
            item.sub.id,
            item.fire_time.isoformat(),
        )
