"""Scheduled status digests: subscriptions of a channel, what a digest says, and firing one exactly once.

A fire is claimed in the database before anything is posted, so however many replicas fire the same
subscription at the same moment, one posts. The post (to the outbox, in production), the digest's state
and the claim's completion commit in one transaction (`unit`); a holder that dies before leaves a claim
whose lease runs out, and another replica takes it over. The deliverer then sends it when Slack takes it.
What a digest says is computed by the pure `build_digest` (in `digest_model`); `bot.blocks.digest`
renders it.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.blocks.digest import render_digest, render_digest_unavailable
from bot.blocks.message import Message
from bot.clock import Now, utcnow
from bot.commands.digest_commands import DigestAdd
from bot.fivetran.errors import FivetranError
from bot.services.digests.content import (
    Change,
    DigestContent,
    Problem,
    build_digest,
    next_fires,
    only_problems,
    subscription_schedule,
)
from bot.services.digests.writing import DigestWriter, Due, FireOutcome, Plan, Unit
from bot.services.pipelines.kinds import SourceKinds
from bot.services.pipelines.selectors import Selector, store_selector, subscription_selector
from bot.services.pipelines.snapshot import AccountSnapshot, Snapshots
from bot.services.runtime.posting import ChannelPoster
from bot.storage.claims import ClaimRepo
from bot.storage.digest_state import DigestState, DigestStateRepo
from bot.storage.subscriptions import Subscription, SubscriptionRepo

__all__ = [
    "AddedDigest",
    "Change",
    "DigestContent",
    "DigestError",
    "DigestService",
    "FireOutcome",
    "Problem",
    "build_digest",
    "next_fires",
    "subscription_schedule",
]

log = logging.getLogger(__name__)

# A channel with more digests than this is a mistake (or a loop in someone's script), not a need.
MAX_DIGESTS_PER_CHANNEL = 25
# Digests firing together share one snapshot; a snapshot fetched this recently counts as "at fire time".
SNAPSHOT_MAX_AGE_S = 15.0
# Digests written in one transaction: one commit for many (each digest's writes still all or nothing).
COMMIT_CHUNK = 25


@dataclass(frozen=True)
class Unavailable:
    """The snapshot could not be had at fire time; `reason` is shown to people."""

    reason: str


class DigestError(ValueError):
    """A digest request the service refuses; the message is for the user."""


@dataclass(frozen=True)
class AddedDigest:
    subscription: Subscription
    next_fires: list[datetime]


@dataclass
class _Fire:
    """What every digest of one batch shares: the moment they speak of, the previous states, and the
    messages rendered so far (one per content and zone: the digests of 50 channels that select the
    same connectors are one message)."""

    now: datetime
    states: Mapping[str, DigestState]
    configured: SourceKinds
    rendered: dict[tuple[int, str], tuple[DigestContent, Message]] = field(default_factory=dict)

    def render(self, content: DigestContent, tz: ZoneInfo) -> Message:
        key = (id(content), tz.key)
        found = self.rendered.get(key)
        if found is None or found[0] is not content:
            found = self.rendered[key] = (
                content,
                render_digest(content, now=self.now, tz=tz, configured=self.configured),
            )
        return found[1]


class DigestObserver(Protocol):
    """Told the outcome of every digest fire (BotMetrics counts them)."""

    def digest_fired(self, outcome: str) -> None: ...


class _Unobserved:
    def digest_fired(self, outcome: str) -> None:
        pass


class DigestService:
    def __init__(
        self,
        subscriptions: SubscriptionRepo,
        claims: ClaimRepo,
        states: DigestStateRepo,
        snapshots: Snapshots,
        poster: ChannelPoster,
        *,
        default_tz: str,
        holder: str,
        now: Now = utcnow,
        lease_s: float = 120.0,
        snapshot_max_age_s: float = SNAPSHOT_MAX_AGE_S,
        fetch_timeout_s: float | None = None,
        observer: DigestObserver | None = None,
        unit: Unit | None = None,
        configured: SourceKinds | None = None,
    ) -> None:
        self.writer = DigestWriter(claims, states, poster, holder=holder, now=now, unit=unit)
        self.subscriptions = subscriptions
        self.claims = claims
        self.states = states
        self.snapshots = snapshots
        self.poster = poster
        self.default_tz = ZoneInfo(default_tz)
        self.holder = holder
        self.now = now
        self.lease_s = lease_s
        self.snapshot_max_age_s = snapshot_max_age_s
        self._built_for: AccountSnapshot | None = None
        # Contents of the last snapshot, by (selector, id of the previous problems, only:problems), each
        # beside the previous problems it was built from (so that the id cannot be reused meanwhile).
        self._built: dict[
            tuple[Selector, int | None, bool], tuple[Mapping[str, str] | None, DigestContent]
        ] = {}
        # Fetch, then up to MAX_DIGESTS_PER_CHANNEL paced posts, must fit in one lease.
        self.fetch_timeout_s = lease_s / 3 if fetch_timeout_s is None else fetch_timeout_s
        self.observer = observer or _Unobserved()
        # whose data a digest shows, said when none could be read (a hub-only bot's hubs, not Fivetran)
        self.configured = configured or SourceKinds()

    # Commands -------------------------------------------------------------------------------------------

    async def add(self, channel: str, user: str, cmd: DigestAdd, *, preview: int = 3) -> AddedDigest:
        existing = await self.subscriptions.list_for_channel(channel, "digest")
        if len(existing) >= MAX_DIGESTS_PER_CHANNEL:
            raise DigestError(
                f"This channel has {len(existing)} digests already, the most one channel may have. "
                "Remove one with `/hvr digest remove <id>` first."
            )
        sub = await self.subscriptions.add(
            kind="digest",
            channel_id=channel,
            created_by=user,
            timezone=cmd.tz,
            selector=store_selector(cmd.selector),
            schedule=cmd.schedule.text,
            options={"only_problems": cmd.only_problems},
        )
        return AddedDigest(sub, cmd.schedule.next_fire_times(self.now(), preview))

    async def list(self, channel: str) -> list[tuple[Subscription, datetime | None]]:
        now = self.now()
        found = await self.subscriptions.list_for_channel(channel, "digest")
        return [(sub, next(iter(next_fires(sub, now)), None)) for sub in found]

    async def remove(self, subscription_id: str, channel: str) -> bool:
        return await self.subscriptions.remove(subscription_id.lower(), channel)

    async def preview(self, channel: str, selector: Selector) -> Message:
        """`digest now`: a fresh digest, not a fire: no claim, and the change history is left alone."""
        del channel  # every channel sees the same account; kept for symmetry with the other commands
        now = self.now()
        snapshot = await self._snapshot()
        if isinstance(snapshot, Unavailable):
            return render_digest_unavailable(
                snapshot.reason, now=now, tz=self.default_tz, configured=self.configured
            )
        content = build_digest(snapshot, selector, None, now=now, only_problems=False)
        return render_digest(content, now=now, tz=self.default_tz, configured=self.configured)

    # Firing ---------------------------------------------------------------------------------------------

    async def fire(self, subscription_id: str, fire_time: datetime) -> FireOutcome:
        return (await self.fire_batch([(subscription_id, fire_time)]))[0]

    async def fire_batch(self, fires: Sequence[tuple[str, datetime]]) -> builtins.list[FireOutcome]:
        """Fires several digests due together: claim all, fetch one snapshot for all, write them in chunks.

        Claims come first so that a replica that loses every claim does not fetch anything.
        """
        outcomes: dict[int, FireOutcome] = {}

        # One read for the whole batch; a subscription removed by now is not fired.
        active = {s.id: s for s in await self.subscriptions.list_active("digest")} if fires else {}
        wanted = [(i, (sid, at)) for i, (sid, at) in enumerate(fires) if sid in active]
        for i, (sid, _) in enumerate(fires):
            if sid not in active:
                outcomes[i] = FireOutcome.SKIPPED_INACTIVE
        # Every claim in one transaction: one commit for the batch, not one per digest.
        lease_until = self.now() + timedelta(seconds=self.lease_s)
        won = await self.claims.try_claim_many([f for _, f in wanted], self.holder, self.lease_s)
        claimed: dict[int, Due | None] = {}
        for (index, (sid, at)), ours in zip(wanted, won, strict=True):
            claimed[index] = Due(active[sid], at, lease_until) if ours else None
            if not ours:
                outcomes[index] = FireOutcome.SKIPPED_NOT_CLAIMED
        due = {i: d for i, d in claimed.items() if d is not None}
        if due:
            outcomes.update(await self._post_all(due, await self._snapshot()))
        for outcome in outcomes.values():
            self.observer.digest_fired(outcome.value)
        return [outcomes[i] for i in range(len(fires))]

    async def _snapshot(self) -> AccountSnapshot | Unavailable:
        # Bounded, so that a Fivetran outage with long retries cannot outlast the claims' leases.
        try:
            async with asyncio.timeout(self.fetch_timeout_s):
                return await self.snapshots.get(max_age=self.snapshot_max_age_s)
        except FivetranError as error:
            log.warning("digest snapshot could not be fetched: %s", error)
            return Unavailable(_error_text(error))
        except TimeoutError:
            log.warning("digest snapshot not fetched within %.0fs", self.fetch_timeout_s)
            speakers = self.configured.speakers
            return Unavailable(
                f"{speakers[0].upper()}{speakers[1:]} did not answer within {self.fetch_timeout_s:.0f} seconds"
            )

    async def _post_all(
        self, due: Mapping[int, Due], snapshot: AccountSnapshot | Unavailable
    ) -> dict[int, FireOutcome]:
        """Renders every due digest, then writes them COMMIT_CHUNK to a transaction (`unit`), in fire-time
        order (so each channel's digests keep their order in the outbox, which paces each channel).

        Each digest's writes are still all or nothing: its claim is completed first, by a conditional
        UPDATE that holds the claim until the commit, and its post and state are written only when that
        claim was still ours. A failure that is not Slack's refusal rolls its whole chunk back: those
        claims stay open and are taken again after their lease, as a single digest's were.
        """
        # What is shared by the whole batch: one read of every previous state, one moment the digests
        # speak of, and each distinct message rendered once (same content, same zone).
        fire = _Fire(
            now=self.now(),
            configured=self.configured,
            states={}
            if isinstance(snapshot, Unavailable)
            else await self.states.get_many(item.sub.id for item in due.values()),
        )
        ordered = sorted(due.items(), key=lambda entry: entry[1].fire_time)
        results: dict[int, FireOutcome] = {}
        for start in range(0, len(ordered), COMMIT_CHUNK):
            chunk = [
                (index, item, self._plan(item, snapshot, fire))
                for index, item in ordered[start : start + COMMIT_CHUNK]
            ]
            results.update(await self.writer.write(chunk, fired_at=fire.now))
        return results

    def _plan(self, item: Due, snapshot: AccountSnapshot | Unavailable, fire: _Fire) -> Plan:
        """What one digest writes, without I/O: the message, the state to keep, the outcome on success."""
        selector = subscription_selector(item.sub)
        if selector is None:
            # Written by a newer version, or by hand: posting "every connector" instead would mislead.
            return Plan(None, None, f"{FireOutcome.FAILED}: unreadable selector", FireOutcome.FAILED)
        tz = ZoneInfo(item.sub.timezone)
        if isinstance(snapshot, Unavailable):
            message = render_digest_unavailable(
                snapshot.reason, now=fire.now, tz=tz, configured=self.configured
            )
            return Plan(message, None, FireOutcome.POSTED_UNAVAILABLE, FireOutcome.POSTED_UNAVAILABLE)
        state = fire.states.get(item.sub.id)
        previous = None if state is None else state.last_problems
        content = self.content(snapshot, selector, previous, only_problems(item.sub))
        problems = content.problem_map()
        if content.all_healthy and content.only_problems:
            return Plan(None, problems, FireOutcome.SKIPPED_ALL_HEALTHY, FireOutcome.SKIPPED_ALL_HEALTHY)
        return Plan(fire.render(content, tz), problems, FireOutcome.POSTED, FireOutcome.POSTED)

    def content(
        self,
        snapshot: AccountSnapshot,
        selector: Selector,
        previous: Mapping[str, str] | None,
        only: bool,
    ) -> DigestContent:
        """`build_digest`, once per distinct (selector, previous problems, only:problems) of a snapshot.

        Digests that fire together mostly select the same connectors with the same history: 200 of them
        over 5,000 connections built the same content 200 times (~27 ms each, most of a fire's CPU).
        Previous problems are told apart by identity: `DigestStateRepo.get_many` hands one shared
        mapping to every subscription that stored the same one (equal mappings that are not the same
        object only cost a second build). Only the last snapshot's contents are kept.
        """
        if self._built_for is not snapshot:
            self._built_for, self._built = snapshot, {}
        key = (selector, None if previous is None else id(previous), only)
        found = self._built.get(key)
        if found is None or found[0] is not previous:
            built = build_digest(snapshot, selector, previous, now=self.now(), only_problems=only)
            found = self._built[key] = (previous, built)
        return found[1]

    async def release_open_claims(self) -> int:
        """On shutdown: give up unfinished claims so another replica takes them at once."""
        return await self.claims.release_held_by(self.holder)


def _error_text(error: FivetranError) -> str:
    return str(error) or error.message or type(error).__name__
