"""Following syncs so that a restart does not lose them.

Each followed sync is on record (FollowRepo) under a lease the following process renews at every poll.
A process that starts, or notices a lapsed lease, takes the follow over and keeps updating the same
channel message, so "Syncing…" never stays on screen forever because a replica died.

A manual-schedule connector's rescheduled sync is started again by the bot (`SyncFollower`); the keeper
keeps that promise on record, so a successor keeps it too and never starts the same sync twice, and
audits the start like any other, on behalf of the person who asked for the sync.

What the follow owes the channel goes through the outbox (`owed`), each row in one transaction with the
follow's record (`unit`): the status message with its placeholder ts (so no crash can leave a message
posted whose ts nobody recorded, still saying "requested" while a successor posts another), and the final
state with the follow's end (and the thread reply to the person who asked). The edits in between are
progress, sent straight to Slack once it has the message, skipped while it does not: the final state
follows the message through the outbox in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.blocks.message import Message
from bot.fivetran.models import Connection
from bot.services.governance.audit import AuditContext, AuditLog
from bot.services.pipelines.actions import ActionResult, ConnectorActions
from bot.services.pipelines.hub_follower import Heartbeat, HubFollower
from bot.services.pipelines.hub_health import is_hub_channel
from bot.services.pipelines.sync_follower import FollowUpdate, Phase, Restarts, SyncFollower
from bot.services.runtime.background import Background, Periodic
from bot.services.runtime.holders import holder_is_gone
from bot.services.runtime.outbox import Unit, no_unit
from bot.services.runtime.posting import (
    FallbackPoster,
    Located,
    MessageRef,
    OwedPoster,
    PostError,
    SlackUnavailable,
)
from bot.storage.follows import FollowedSync, FollowKind, FollowRepo

log = logging.getLogger(__name__)

Deliver = Callable[[Message], Awaitable[None]]
Render = Callable[[FollowUpdate | None, FollowedSync], Message]
Notice = Callable[[FollowUpdate | None, FollowedSync], Message | None]

LEASE = timedelta(minutes=3)  # longer than the follower's longest pause between polls (60 s)


class FollowKeeper:
    def __init__(
        self,
        repo: FollowRepo,
        follower: SyncFollower,
        hub_follower: HubFollower,
        background: Background,
        poster: FallbackPoster,
        render: Render,
        *,
        notice: Notice,
        owed: OwedPoster,
        actions: ConnectorActions,
        auditor: AuditLog,
        holder: str,
        unit: Unit = no_unit,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        scan_every: float = 60.0,
    ) -> None:
        self.repo = repo
        self._follower = follower
        self._hub = hub_follower
        self._background = background
        self._poster = poster
        self._render = render
        self._notice = notice
        self._owed = owed
        self._unit = unit
        self._actions = actions
        self._auditor = auditor
        self._holder = holder
        self._now = now
        self._clock = clock
        self._monitor = Periodic("follow-monitor", self._scan, every=scan_every, sleep=sleep)

    async def begin(
        self,
        connection: Connection,
        *,
        channel_id: str,
        user_id: str,
        force: bool,
        baseline: datetime | None,
        kind: FollowKind = FollowKind.SYNC,
        tables: Sequence[str] | None = None,
    ) -> FollowedSync:
        """Put the follow on record before the sync is triggered: a crash between the trigger and the
        first channel message then still leaves something for the next process to finish. A sync of an
        HVR channel is followed by its jobs (`hub_follower.py`), a refresh or compare by its event."""
        if kind is FollowKind.SYNC and is_hub_channel(connection):
            kind = FollowKind.JOBS
        follow_id = await self.repo.add(
            connection_id=connection.id,
            connection_name=connection.name,
            channel_id=channel_id,
            message_ts=None,
            user_id=user_id,
            force=force,
            baseline=baseline,
            started_at=self._now(),
            holder=self._holder,
            lease=LEASE,
            kind=kind,
            tables=tables,
        )
        record = await self.repo.get(follow_id)
        assert record is not None
        return record

    async def abandon(self, record: FollowedSync, outcome: str) -> None:
        """The sync never started (Fivetran refused it): nothing to follow."""
        await self.repo.finish(record.id, outcome)

    async def posted(self, record: FollowedSync, event_id: str) -> FollowedSync:
        """The hub posted the followed event: on record, so a successor reads the same one."""
        await self.repo.set_event(record.id, event_id)
        return replace(record, event_id=event_id)

    async def announce(self, record: FollowedSync, message: Message) -> FollowedSync:
        """The sync started: its status message is owed to the channel, and its ts (a placeholder until
        Slack has it) is on the follow's record in the same transaction."""
        async with self._unit():
            ref = await self._owed.post(record.channel_id, message)
            await self.repo.set_message_ts(record.id, ref.ts)
        return FollowedSync(**{**record.__dict__, "message_ts": ref.ts})

    async def follow(self, record: FollowedSync, *, fallback: Deliver) -> None:
        """Follow in the background; `fallback` tells the person when the channel has no message (Slack
        refused the status message there)."""
        self._background.spawn(
            self._run(record, self._clock(), self._progress(record, fallback)),
            name=f"follow:{record.connection_id}",
        )

    async def _run(
        self, record: FollowedSync, started: float, deliver: Deliver, *, resumed: bool = False
    ) -> None:
        outcome = "unknown"
        last: FollowUpdate | None = None

        async def heartbeat() -> None:
            if not await self.repo.renew(record.id, self._holder, LEASE):
                raise _TakenOver()

        try:
            async for update in self._updates(record, started, heartbeat, resumed):
                outcome = update.phase.value
                last = update
                if not update.phase.final:
                    await deliver(self._render(update, record))
            await self._end(record, outcome, last, deliver)
        except _TakenOver:
            log.info("follow %s of %s was taken over by another process", record.id, record.connection_id)
        except asyncio.CancelledError:
            raise  # shutting down: the lease lapses (or is released) and the next process resumes it
        except Exception:
            log.exception("following the sync of %s failed", record.connection_id)
            lost = FollowUpdate(
                Phase.LOST, self._clock() - started, note="I lost track of it; `/hvr show` tells its state."
            )
            try:
                await self._end(record, "error", lost, deliver)
            except Exception:
                log.warning("could not tell that following %s failed", record.connection_id, exc_info=True)

    def _updates(
        self, record: FollowedSync, started: float, heartbeat: Heartbeat, resumed: bool
    ) -> AsyncIterator[FollowUpdate]:
        """The follower for what the record follows."""
        kind = FollowKind(record.kind)
        if kind is FollowKind.JOBS:
            return self._hub.follow_jobs(record.connection_id, started, heartbeat=heartbeat)
        if kind in (FollowKind.REFRESH, FollowKind.COMPARE):
            if record.event_id is None:
                return _lost_event(self._clock() - started)
            return self._hub.follow_event(
                record.connection_id, record.event_id, started, heartbeat=heartbeat, announced=resumed
            )
        return self._follower.follow(
            record.connection_id,
            record.baseline,
            started,
            heartbeat=heartbeat,
            announced_syncing=resumed,
            restarter=_Promise(record, self.repo, self._actions, self._auditor),
            restarts=Restarts(record.resume_at, record.restarted_for, record.restarts),
        )

    async def _located(self, record: FollowedSync) -> Located:
        """The status message as it is now (the deliverer replaces its placeholder once posted; a resumed
        follow may have posted it anew)."""
        current = await self.repo.get(record.id)
        ts = current.message_ts if current is not None else record.message_ts
        return Located(None, sent=False) if ts is None else await self._owed.locate(ts)

    async def _end(
        self, record: FollowedSync, outcome: str, last: FollowUpdate | None, deliver: Deliver
    ) -> None:
        """The follow's end on record and, in the same transaction, its final state and the reply to the
        person who asked owed to the status message (edits notify nobody: a long sync's end, or any
        failure, is replied in its thread with a mention). Without a channel message there is nothing to
        owe: the news goes where `deliver` sends it, and the reply to the person."""
        final = None if last is None else self._render(last, record)
        notice = self._notice(last, record)
        located = await self._located(record)
        if located.ts is not None:
            async with self._unit():
                if not await self.repo.finish(record.id, outcome):
                    return  # finished already (by a successor): it told the end
                if final is not None:
                    await self._owed.update(record.channel_id, located.ts, final)
                if notice is not None:
                    await self._owed.post(record.channel_id, notice, thread_ts=located.ts)
            return
        if not await self.repo.finish(record.id, outcome):
            return
        if final is not None:
            await deliver(final)
        if notice is not None:
            await self._tell_requester(record, notice)

    async def _tell_requester(self, record: FollowedSync, notice: Message) -> None:
        """The end told to the person when the channel had no status message: in the thread of the one
        `deliver` may just have posted, else where the fallback poster decides (a post, else them alone)."""
        located = await self._located(record)
        try:
            if located.sent and located.ts is not None:
                await self._poster.post(record.channel_id, notice, thread_ts=located.ts)
            else:
                await self._poster.show(record.channel_id, record.user_id, notice)
        except (PostError, SlackUnavailable) as error:
            log.warning(
                "could not tell %s that the sync of %s ended: %s",
                record.user_id,
                record.connection_id,
                error.code,
            )

    async def _scan(self) -> None:
        await self.resume()

    async def resume(self) -> int:
        """Take over every follow whose holder stopped renewing it; returns how many."""
        dead = {h for h in await self.repo.unfinished_holders() if h != self._holder and holder_is_gone(h)}
        taken = await self.repo.take_over_lapsed(self._holder, LEASE, dead=dead)
        for record in taken:
            elapsed = (self._now() - record.started_at).total_seconds()
            log.info("resuming the follow of %s (%s)", record.connection_id, record.id)
            self._background.spawn(
                self._run(record, self._clock() - elapsed, self._progress(record, None), resumed=True),
                name=f"follow:{record.connection_id}",
            )
        return len(taken)

    def _progress(self, record: FollowedSync, fallback: Deliver | None) -> Deliver:
        """Where a follow's progress goes: the status message, once Slack has it (while the outbox holds
        it, nowhere: the final state follows it there). Without one (the bot cannot post in the channel,
        or a process died before the message was owed, or it was deleted) `fallback` when given (the
        person's own answer), else a new message, then updated in place; if the bot can't post there,
        the person only."""

        async def deliver(message: Message) -> None:
            located = await self._located(record)
            if located.ts is not None and not located.sent:
                return
            if located.ts is None and fallback is not None:
                await fallback(message)
                return
            ref = None if located.ts is None else MessageRef(record.channel_id, located.ts)
            try:
                shown = await self._poster.show(record.channel_id, record.user_id, message, ref=ref)
            except (PostError, SlackUnavailable) as error:
                log.warning("could not deliver a follow update of %s: %s", record.connection_id, error.code)
                return
            if shown is not None and shown != ref:
                await self.repo.set_message_ts(record.id, shown.ts)

        return deliver

    def start_monitor(self) -> None:
        """Look for lapsed follows now and then: another replica may have died mid-follow."""
        self._monitor.start()

    async def stop(self) -> None:
        await self._monitor.stop()
        await self.repo.release(self._holder)


class _TakenOver(Exception):
    pass


async def _lost_event(elapsed: float) -> AsyncIterator[FollowUpdate]:
    """A process died between posting the event and recording its id: nothing says which it was."""
    yield FollowUpdate(
        Phase.LOST,
        elapsed,
        note="I restarted before the hub's answer was on record; `/hvr show` tells its state.",
    )


class _Promise:
    """The follower's restarter for one follow: each step on record, the start audited."""

    def __init__(
        self, record: FollowedSync, repo: FollowRepo, actions: ConnectorActions, auditor: AuditLog
    ) -> None:
        self._record = record
        self._repo = repo
        self._actions = actions
        self._auditor = auditor

    async def waiting(self, when: datetime) -> None:
        await self._repo.waiting(self._record.id, when)

    async def restart(self, when: datetime) -> ActionResult:
        record = self._record
        # The bot acts for the person who asked for the sync, in their channel, on its own ("system").
        context = AuditContext(f"follow-{record.id}", record.user_id, record.channel_id, "system")
        result = await self._auditor.run(
            context,
            "sync",
            [record.connection_id],
            {"restart": "rescheduled", "rescheduled_for": when.isoformat()},
            lambda: self._actions.sync(record.connection_id, refresh=False),
        )
        if result.ok:
            await self._repo.restarted(record.id, when)
        return result
