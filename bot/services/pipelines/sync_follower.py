"""Following a sync to its end.

Fivetran returns no run id, so a sync is followed by its effect: the moment `max(succeeded_at, failed_at)`
moves past its value before the trigger, that sync has ended, and it succeeded if `succeeded_at` is the
later of the two. A connector that gets paused or broken meanwhile won't move them soon, so that is
reported instead of waiting forever; and following stops after a bound, saying so.

A sync Fivetran reschedules (the source's API quota is used up) waits until `rescheduled_for`. On an
`auto` schedule Fivetran starts it again then, and the follow ends saying when. On a `manual` schedule
nothing does (DESIGN section 10): the follower keeps polling until that time (so the lease stays renewed
and a sync someone else starts meanwhile is still seen), starts the sync again through `restart`, and
follows that run to its end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.clock import Now, Sleep, utcnow
from bot.fivetran.errors import FivetranError, NotFound
from bot.fivetran.models import Connection
from bot.services.pipelines.actions import ActionResult
from bot.services.pipelines.operations import JobView, OperationView
from bot.services.pipelines.snapshot import LiveSnapshots
from bot.services.pipelines.source import PipelineSource


class Phase(StrEnum):
    REQUESTED = "requested"
    SYNCING = "syncing"
    WAITING = "waiting"  # rescheduled on a manual schedule: the bot starts it again at `resume_at`
    RESTARTED = "restarted"  # the bot started it again
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RESCHEDULED = "rescheduled"
    PAUSED = "paused"
    BROKEN = "broken"
    GAVE_UP = "gave_up"
    LOST = "lost"  # Fivetran could not be asked for too long
    CANCELED = "canceled"  # a hub's event someone canceled

    @property
    def final(self) -> bool:
        return self not in (Phase.REQUESTED, Phase.SYNCING, Phase.WAITING, Phase.RESTARTED)


@dataclass(frozen=True)
class FollowUpdate:
    phase: Phase
    elapsed: float  # seconds since the sync was requested
    connection: Connection | None = None
    note: str = ""
    resume_at: datetime | None = None  # rescheduled: until when Fivetran said the source's quota lasts
    restarts: int = 0  # how often the bot started this sync again after a reschedule
    manual: bool = False  # the connector is on a manual schedule: only a request starts a sync
    at: datetime | None = None  # when it was seen (the wall clock), for saying `resume_at` as people do
    operation: OperationView | None = None  # a hub's refresh or compare: its event as last read
    jobs: tuple[JobView, ...] = ()  # a hub's sync: the channel's jobs as last read


@dataclass(frozen=True)
class Restarts:
    """What the bot did so far about a manual connector's rescheduled sync; on the follow's record, so
    that a follow taken over by another process keeps the promise and does not start it twice."""

    waiting_for: datetime | None = None  # the time it said it would start the sync again
    restarted_for: datetime | None = None  # the time it last started it again for
    count: int = 0


class Restarter(Protocol):
    """Keeps the follow's promise (the follow keeper: on record, and audited)."""

    async def waiting(self, when: datetime) -> None:
        """The person has been told that the sync is started again at `when`."""

    async def restart(self, when: datetime) -> ActionResult:
        """Start the sync again, the one Fivetran postponed until `when`."""


@dataclass(frozen=True)
class FollowPolicy:
    first_delay: float = 5.0
    max_delay: float = 60.0
    factor: float = 1.5
    # counted from the request, the end of a wait for the source, or the bot's latest restart
    give_up_after: float = 3 * 3600.0
    max_consecutive_errors: int = 8
    # A source whose quota runs out again and again is not started for ever: after this many restarts
    # the person is told to start it when the source allows.
    max_restarts: int = 5
    # A hub's sync starts jobs that run continuously: if they are not all running by then, say so.
    jobs_give_up_after: float = 15 * 60.0


class SyncFollower:
    def __init__(
        self,
        client: PipelineSource,
        cache: LiveSnapshots | None = None,
        *,
        policy: FollowPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Now = utcnow,
    ) -> None:
        self._client = client
        self._cache = cache
        self.policy = policy or FollowPolicy()
        self._sleep = sleep
        self._clock = clock
        self._now = now  # the wall clock `rescheduled_for` is on

    async def follow(
        self,
        connection_id: str,
        baseline: datetime | None,
        started: float | None = None,
        *,
        heartbeat: Callable[[], Awaitable[None]] | None = None,
        announced_syncing: bool = False,
        restarter: Restarter | None = None,
        restarts: Restarts | None = None,
    ) -> AsyncIterator[FollowUpdate]:
        """Yield an update when the sync starts running (and while a manual connector's rescheduled sync
        waits to be started again), then exactly one final update. `heartbeat` runs at every poll (it
        keeps the follow's lease alive while a long sync runs quietly). Without a `restarter` a
        rescheduled manual sync ends the follow, as nothing would start it; `restarts` is what a follow
        taken over from another process had done already."""
        policy = self.policy
        restarts = restarts or Restarts()
        started = self._clock() if started is None else started
        since = started  # what the give-up bound counts from
        if restarts.restarted_for is not None:
            since = self._clock() - max(0.0, (self._now() - restarts.restarted_for).total_seconds())
        waiting_for, restarted_for, count = restarts.waiting_for, restarts.restarted_for, restarts.count
        delay = policy.first_delay
        errors = 0
        while True:
            await self._sleep(delay)
            if heartbeat is not None:
                await heartbeat()
            delay = min(policy.max_delay, delay * policy.factor)
            elapsed = self._clock() - started
            try:
                connection = await self._client.get_connection(connection_id)
            except NotFound:
                yield FollowUpdate(Phase.LOST, elapsed, note="The connector was deleted while syncing.")
                return
            except FivetranError as error:
                errors += 1
                if errors >= policy.max_consecutive_errors:
                    yield FollowUpdate(
                        Phase.LOST, elapsed, note=f"Fivetran could not be asked: {error.message}"
                    )
                    return
                continue
            errors = 0
            if self._cache is not None:
                self._cache.update(connection)
            outcome = self._outcome(connection, baseline, elapsed)
            if outcome is not None:
                yield replace(outcome, restarts=count)
                return
            state = connection.status.sync_state
            due: datetime | None = None
            if state == "rescheduled":
                when = connection.status.rescheduled_for
                told = self._rescheduled(connection, elapsed, when, count)
                if restarter is None or when is None or not told.manual or count >= policy.max_restarts:
                    yield told  # Fivetran starts it again, or nobody will: either way, following ends
                    return
                left = (when - self._now()).total_seconds()
                if left > 0:
                    if waiting_for != when:
                        waiting_for = when
                        await restarter.waiting(when)
                        yield replace(told, phase=Phase.WAITING)
                    delay = min(delay, left)  # polled until then, and at that time exactly
                    since = self._clock()  # waiting for the source is not what the give-up bound is for
                    continue
                due = when
            elif waiting_for is not None and waiting_for <= self._now() and state != "syncing":
                due = waiting_for  # no longer said to be rescheduled, but the postponed sync has not run
            if due is not None and restarter is not None and due != restarted_for:
                result = await restarter.restart(due)
                told = self._rescheduled(connection, elapsed, due, count)
                if not result.ok:
                    yield replace(told, note=result.summary)
                    return
                count, restarted_for, waiting_for, since = count + 1, due, None, self._clock()
                delay, announced_syncing = policy.first_delay, False
                yield replace(told, phase=Phase.RESTARTED, restarts=count)
                continue
            if state == "syncing" and not announced_syncing:
                announced_syncing = True
                yield FollowUpdate(Phase.SYNCING, elapsed, connection, restarts=count)
            if self._clock() - since >= policy.give_up_after:
                yield FollowUpdate(
                    Phase.GAVE_UP,
                    elapsed,
                    connection,
                    note="Stopped following; the sync may still be running. `/hvr show` tells its state.",
                    restarts=count,
                )
                return

    def _rescheduled(
        self, connection: Connection, elapsed: float, when: datetime | None, restarts: int
    ) -> FollowUpdate:
        return FollowUpdate(
            Phase.RESCHEDULED,
            elapsed,
            connection,
            resume_at=when,
            restarts=restarts,
            manual=connection.schedule_type == "manual",
            at=self._now(),
        )

    @staticmethod
    def _outcome(connection: Connection, baseline: datetime | None, elapsed: float) -> FollowUpdate | None:
        """The final update the connection shows, rescheduling aside (the follow loop decides that)."""
        end = connection.last_sync_end
        if end is not None and (baseline is None or end > baseline):
            succeeded = connection.succeeded_at is not None and connection.succeeded_at == end
            if succeeded:
                return FollowUpdate(Phase.SUCCEEDED, elapsed, connection)
            notices = [*connection.status.tasks, *connection.status.warnings]
            reasons = list(dict.fromkeys(n.message for n in notices if n.message))
            return FollowUpdate(Phase.FAILED, elapsed, connection, note="; ".join(reasons))
        status = connection.status
        if connection.paused or status.sync_state == "paused":
            return FollowUpdate(Phase.PAUSED, elapsed, connection, note="The connector was paused.")
        if status.setup_state == "broken":
            reasons = [t.message for t in status.tasks if t.message]
            return FollowUpdate(Phase.BROKEN, elapsed, connection, note="; ".join(reasons))
        return None
