"""Following a sync to its end.

Fivetran returns no run id, so a sync is followed by its effect: the moment `max(succeeded_at, failed_at)`
moves past its value before the trigger, that sync has ended, and it succeeded if `succeeded_at` is the
later of the two. A connector that gets rescheduled, paused or broken meanwhile won't move them soon, so
that is reported instead of waiting forever; and following stops after a bound, saying so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.clock import Sleep
from bot.fivetran.errors import FivetranError, NotFound
from bot.fivetran.models import Connection
from bot.services.pipelines.snapshot import LiveSnapshots
from bot.services.pipelines.source import PipelineSource


class Phase(StrEnum):
    REQUESTED = "requested"
    SYNCING = "syncing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RESCHEDULED = "rescheduled"
    PAUSED = "paused"
    BROKEN = "broken"
    GAVE_UP = "gave_up"
    LOST = "lost"  # Fivetran could not be asked for too long

    @property
    def final(self) -> bool:
        return self not in (Phase.REQUESTED, Phase.SYNCING)


@dataclass(frozen=True)
class FollowUpdate:
    phase: Phase
    elapsed: float  # seconds since the sync was requested
    connection: Connection | None = None
    note: str = ""


@dataclass(frozen=True)
class FollowPolicy:
    first_delay: float = 5.0
    max_delay: float = 60.0
    factor: float = 1.5
    give_up_after: float = 3 * 3600.0
    max_consecutive_errors: int = 8


class SyncFollower:
    def __init__(
        self,
        client: PipelineSource,
        cache: LiveSnapshots | None = None,
        *,
        policy: FollowPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._cache = cache
        self.policy = policy or FollowPolicy()
        self._sleep = sleep
        self._clock = clock

    async def follow(
        self,
        connection_id: str,
        baseline: datetime | None,
        started: float | None = None,
        *,
        heartbeat: Callable[[], Awaitable[None]] | None = None,
        announced_syncing: bool = False,
    ) -> AsyncIterator[FollowUpdate]:
        """Yield an update when the sync starts running, then exactly one final update. `heartbeat` runs
        at every poll (it keeps the follow's lease alive while a long sync runs quietly)."""
        policy = self.policy
        started = self._clock() if started is None else started
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
                yield outcome
                return
            if connection.status.sync_state == "syncing" and not announced_syncing:
                announced_syncing = True
                yield FollowUpdate(Phase.SYNCING, elapsed, connection)
            if elapsed >= policy.give_up_after:
                yield FollowUpdate(
                    Phase.GAVE_UP,
                    elapsed,
                    connection,
                    note="Stopped following; the sync may still be running. `/hvr show` tells its state.",
                )
                return

    @staticmethod
    def _outcome(connection: Connection, baseline: datetime | None, elapsed: float) -> FollowUpdate | None:
        end = connection.last_sync_end
        if end is not None and (baseline is None or end > baseline):
            succeeded = connection.succeeded_at is not None and connection.succeeded_at == end
            if succeeded:
                return FollowUpdate(Phase.SUCCEEDED, elapsed, connection)
            notices = [*connection.status.tasks, *connection.status.warnings]
            reasons = list(dict.fromkeys(n.message for n in notices if n.message))
            return FollowUpdate(Phase.FAILED, elapsed, connection, note="; ".join(reasons))
        status = connection.status
        if status.sync_state == "rescheduled":
            when = status.rescheduled_for
            note = f"Fivetran will retry at {when.isoformat()}" if when else "Fivetran will retry later"
            return FollowUpdate(Phase.RESCHEDULED, elapsed, connection, note=note)
        if connection.paused or status.sync_state == "paused":
            return FollowUpdate(Phase.PAUSED, elapsed, connection, note="The connector was paused.")
        if status.setup_state == "broken":
            reasons = [t.message for t in status.tasks if t.message]
            return FollowUpdate(Phase.BROKEN, elapsed, connection, note="; ".join(reasons))
        return None
