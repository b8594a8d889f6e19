"""Following what the bot did on an HVR hub to its end (DESIGN section 8).

A hub moves none of the fields a Fivetran sync is followed by, so it is followed by what it does say:
- a refresh or a compare posts an event; it is read by its `ev_id` (`GET …/events?ev_id=`) until the hub
  says DONE, FAILED or CANCELED, and a compare's per-table result comes with the end;
- a sync (`jobs_start` with `trigger_failed`) posts none. What a person asks "sync" for on a hub is that
  the channel replicates again, so the follow reads the channel's capture and integrate jobs: it succeeds
  when every one of them is RUNNING, fails when one is FAILED or ERROR (the start did not take, or it
  failed again; RETRY is the hub retrying on its own and is waited for), stops when they are all
  suspended, and gives up after `FollowPolicy.jobs_give_up_after`, naming the jobs not running yet.
Both yield `FollowUpdate`s like `SyncFollower`: one when the operation is seen running, then one final.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from bot.fivetran.errors import FivetranError, NotFound
from bot.services.pipelines.operations import EventState, HubOperations, JobView, OperationView
from bot.services.pipelines.sync_follower import FollowPolicy, FollowUpdate, Phase

Heartbeat = Callable[[], Awaitable[None]]

_ENDS = {
    EventState.DONE: Phase.SUCCEEDED,
    EventState.FAILED: Phase.FAILED,
    EventState.CANCELED: Phase.CANCELED,
}


class HubFollower:
    def __init__(
        self,
        source: HubOperations,
        *,
        policy: FollowPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self.policy = policy or FollowPolicy()
        self._sleep = sleep
        self._clock = clock

    async def _polls(self, started: float, heartbeat: Heartbeat | None) -> AsyncIterator[float]:
        """Sleep, renew the lease, and give the seconds since `started`, for ever (the caller stops)."""
        delay = self.policy.first_delay
        while True:
            await self._sleep(delay)
            if heartbeat is not None:
                await heartbeat()
            delay = min(self.policy.max_delay, delay * self.policy.factor)
            yield self._clock() - started

    async def follow_event(
        self,
        key: str,
        event_id: str,
        started: float | None = None,
        *,
        heartbeat: Heartbeat | None = None,
        announced: bool = False,
    ) -> AsyncIterator[FollowUpdate]:
        started = self._clock() if started is None else started
        errors = 0
        async for elapsed in self._polls(started, heartbeat):
            try:
                view = await self._source.event(key, event_id)
            except NotFound:
                yield FollowUpdate(Phase.LOST, elapsed, note="The hub no longer knows this event.")
                return
            except FivetranError as error:
                errors += 1
                if errors >= self.policy.max_consecutive_errors:
                    yield FollowUpdate(
                        Phase.LOST, elapsed, note=f"The hub could not be asked: {error.message}"
                    )
                    return
                continue
            errors = 0
            if view.state.ended:
                yield FollowUpdate(_ENDS[view.state], elapsed, note=view.note, operation=view)
                return
            if not announced:
                announced = True
                yield FollowUpdate(Phase.SYNCING, elapsed, operation=view)
            if elapsed >= self.policy.give_up_after:
                yield FollowUpdate(Phase.GAVE_UP, elapsed, note=_still_running(view), operation=view)
                return

    async def follow_jobs(
        self, key: str, started: float | None = None, *, heartbeat: Heartbeat | None = None
    ) -> AsyncIterator[FollowUpdate]:
        started = self._clock() if started is None else started
        errors = 0
        async for elapsed in self._polls(started, heartbeat):
            try:
                jobs = tuple(await self._source.jobs(key))
            except FivetranError as error:
                errors += 1
                if errors >= self.policy.max_consecutive_errors:
                    yield FollowUpdate(
                        Phase.LOST, elapsed, note=f"The hub could not be asked: {error.message}"
                    )
                    return
                continue
            errors = 0
            outcome = jobs_outcome(jobs, elapsed)
            if outcome is not None:
                yield outcome
                return
            if elapsed >= self.policy.jobs_give_up_after:
                waiting = ", ".join(f"{j.name} ({j.state or 'no state'})" for j in jobs if not j.running)
                yield FollowUpdate(Phase.GAVE_UP, elapsed, note=f"Not running yet: {waiting}.", jobs=jobs)
                return


def jobs_outcome(jobs: Sequence[JobView], elapsed: float) -> FollowUpdate | None:
    """The end a hub sync's jobs show now, or None while they are still starting (or retrying)."""
    jobs = tuple(jobs)
    if not jobs:
        return FollowUpdate(
            Phase.LOST, elapsed, note="The channel has no capture or integrate job (deactivated?)."
        )
    failed = [j for j in jobs if j.failing and j.state.upper() != "RETRY"]
    if failed:
        names = ", ".join(f"{j.name} is {j.state}" for j in failed)
        return FollowUpdate(Phase.FAILED, elapsed, note=names, jobs=jobs)
    if all(j.suspended for j in jobs):
        return FollowUpdate(Phase.PAUSED, elapsed, note="The channel's jobs are suspended.", jobs=jobs)
    if all(j.running for j in jobs):
        return FollowUpdate(Phase.SUCCEEDED, elapsed, jobs=jobs)
    return None


def _still_running(view: OperationView) -> str:
    return f"The hub's {view.kind or 'event'} may still be running; `/hvr show` tells the channel's state."
