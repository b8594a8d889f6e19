"""Digest firing on every replica: APScheduler is the timer, the database decides who posts.

APScheduler 3.x cannot share a job store between processes, so each replica keeps one job per active
digest subscription and follows the subscriptions table (a cheap `version()` poll). A timer going off
only says "look now": what is due is worked out by `plan_fires` from the schedules, the clock and the
claim ledger, and `DigestService.fire_batch` claims before it posts. The same look runs every
`scan_interval_s`, which is how fires missed during a restart, or held by a replica that died, are
taken over while they are still within the grace window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Now, Sleep, utcnow
from bot.scheduler.due import FireKey, fire_times_between, fire_times_of, plan_fires
from bot.scheduler.schedule import Schedule
from bot.services.digests.content import subscription_schedule
from bot.services.digests.service import DigestService, FireOutcome
from bot.storage.fire_ledger import FireLedger
from bot.storage.subscriptions import Subscription, SubscriptionRepo

log = logging.getLogger(__name__)


# On start, fires missed this long ago are looked for, to log what a downtime skipped.
STARTUP_LOOKBACK = timedelta(hours=24)
# Finished claims are kept this long (the startup lookback needs them), then purged.
CLAIM_RETENTION = timedelta(days=3)
PURGE_EVERY = timedelta(hours=1)
# How far back a fire still counts as going off "with" a timer that just went off (APScheduler runs a
# minute's jobs within milliseconds; a loaded loop may run them a little late).
DUE_TOGETHER_S = 2.0

__all__ = ["DigestScheduler", "DueResult", "fire_times_between"]


@dataclass(frozen=True)
class DueResult:
    fired: list[tuple[FireKey, FireOutcome]] = field(default_factory=list)
    late: list[FireKey] = field(default_factory=list)

    def outcomes(self) -> list[FireOutcome]:
        return [outcome for _, outcome in self.fired]


class DigestScheduler:
    def __init__(
        self,
        service: DigestService,
        subscriptions: SubscriptionRepo,
        ledger: FireLedger,
        *,
        poll_interval_s: float = 5.0,
        scan_interval_s: float = 30.0,
        grace_s: float = 600.0,
        batch_window_s: float = 0.5,
        now: Now = utcnow,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.service = service
        self.subscriptions = subscriptions
        self.ledger = ledger
        self.poll_interval_s = poll_interval_s
        self.scan_interval_s = scan_interval_s
        self.grace = timedelta(seconds=grace_s)
        self.batch_window_s = batch_window_s
        self.now = now
        self._sleep = sleep
        self._timer = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                # Several missed runs of one job are one look; the look finds every due fire itself.
                "coalesce": True,
                "misfire_grace_time": int(grace_s),
                "max_instances": 1,
            },
        )
        self._subs: dict[str, Subscription] = {}
        self._schedules: dict[str, Schedule] = {}
        self._version: int | None = None
        self._busy: set[FireKey] = set()
        self._reported_late: set[FireKey] = set()
        self._pending: set[str] = set()
        self._flush: asyncio.Task[None] | None = None
        self._expected: set[str] = set()
        self._all_in = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._last_purge: datetime | None = None

    @property
    def holder(self) -> str:
        return self.service.holder

    @property
    def running(self) -> bool:
        """Both the timer and the loop that follows the subscriptions table are alive."""
        return self._timer.running and self._loop is not None and not self._loop.done()

    def job_ids(self) -> set[str]:
        return {job.id for job in self._timer.get_jobs()}

    # Following the subscriptions table ------------------------------------------------------------------

    async def sync_jobs(self) -> bool:
        """Makes the timer's jobs match the active digest subscriptions; True when anything changed."""
        # The version is read first: a change landing while we list is seen again at the next poll.
        version = await self.subscriptions.version()
        active = await self.subscriptions.list_active("digest")
        wanted: dict[str, tuple[Subscription, Schedule]] = {}
        for sub in active:
            schedule = subscription_schedule(sub)
            if schedule is not None:
                wanted[sub.id] = (sub, schedule)
        changed = False
        for subscription_id in set(self._subs) - set(wanted):
            with contextlib.suppress(LookupError):
                self._timer.remove_job(subscription_id)
            changed = True
        for subscription_id, (sub, schedule) in wanted.items():
            old = self._subs.get(subscription_id)
            if old is not None and (old.schedule, old.timezone) == (sub.schedule, sub.timezone):
                continue
            self._timer.add_job(
                self.timer_fired,
                trigger=schedule.trigger(),
                id=subscription_id,
                args=[subscription_id],
                replace_existing=True,
            )
            changed = True
        self._subs = {sid: sub for sid, (sub, _) in wanted.items()}
        self._schedules = {sid: schedule for sid, (_, schedule) in wanted.items()}
        self._version = version
        if changed:
            log.info("digest schedules: %d active", len(self._subs))
        return changed

    async def poll_once(self) -> None:
        """Reloads the jobs when the subscriptions changed (on any replica)."""
        if await self.subscriptions.version() != self._version:
            await self.sync_jobs()

    # Firing ---------------------------------------------------------------------------------------------

    async def fire_due(
        self,
        now: datetime | None = None,
        *,
        only: Iterable[str] | None = None,
        lookback: timedelta | None = None,
    ) -> DueResult:
        """Fires everything due at `now` (for the subscriptions in `only`, else all) in one batch.

        Fires missed by more than the grace window (looked for over `lookback` before it) are logged,
        once each, and skipped.
        """
        at = self.now() if now is None else now
        wanted = set(only) if only is not None else None
        schedules = {
            sid: schedule for sid, schedule in self._schedules.items() if wanted is None or sid in wanted
        }
        if not schedules:
            return DueResult()
        back = timedelta(seconds=2 * self.scan_interval_s) if lookback is None else lookback
        ledger = await self.ledger.since(at - self.grace - back)
        plan = plan_fires(
            schedules,
            now=at,
            grace=self.grace,
            lookback=back,
            ledger=ledger,
            created={sid: self._subs[sid].created_at for sid in schedules},
            busy=self._busy,
        )
        self._log_late(plan.late, at)
        if not plan.due:
            return DueResult(late=plan.late)
        self._busy.update(plan.due)
        try:
            outcomes = await self.service.fire_batch(plan.due)
        finally:
            self._busy.difference_update(plan.due)
        fired = list(zip(plan.due, outcomes, strict=True))
        for (subscription_id, fire_time), outcome in fired:
            log.info("digest %s at %s: %s", subscription_id, fire_time.isoformat(), outcome.value)
        return DueResult(fired, plan.late)

    def _log_late(self, late: list[FireKey], now: datetime) -> None:
        for subscription_id, fire_time in late:
            if (subscription_id, fire_time) in self._reported_late:
                continue
            self._reported_late.add((subscription_id, fire_time))
            log.warning(
                "digest %s: the fire at %s was missed by %s, beyond the %s grace window; skipped",
                subscription_id,
                fire_time.isoformat(),
                now - fire_time,
                self.grace,
            )
        # Forget what is older than any lookback, so the set stays small.
        horizon = now - self.grace - STARTUP_LOOKBACK
        self._reported_late = {key for key in self._reported_late if key[1] >= horizon}

    async def timer_fired(self, subscription_id: str) -> None:
        """APScheduler's job: gather the subscriptions whose timers go off together, then look once.

        Every digest due at 09:00 goes off within milliseconds; one look for all of them means one
        snapshot and one ledger query, not one per subscription.
        """
        self._pending.add(subscription_id)
        if self._flush is None or self._flush.done():
            due = self._due_together(self.now())
            # A timer the schedules do not explain (its clock disagrees) keeps the whole window.
            self._expected = due if subscription_id in due else set()
            self._all_in = asyncio.Event()
            self._flush = self._spawn(self._flush_pending())
        if self._expected and self._expected <= self._pending:
            self._all_in.set()

    def _due_together(self, now: datetime) -> set[str]:
        """The subscriptions whose timers go off with this one: once all of them have, the batch is
        complete and waiting out the rest of the window would only delay the digests. A timer that is
        late or never comes leaves the set incomplete, and the window ends the wait as before."""
        times = fire_times_of(self._schedules.values(), now - timedelta(seconds=DUE_TOGETHER_S), now)
        return {sid for sid, schedule in self._schedules.items() if times[schedule]}

    async def _flush_pending(self) -> None:
        window = asyncio.ensure_future(self._sleep(self.batch_window_s))
        complete = asyncio.ensure_future(self._all_in.wait())
        try:
            await asyncio.wait({window, complete}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            window.cancel()
            complete.cancel()
        batch, self._pending = self._pending, set()
        self._flush = None
        if batch and not self._stopping.is_set():
            await self.fire_due(only=batch)

    def _spawn(self, work: Awaitable[None]) -> asyncio.Task[None]:
        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("digest scheduler task failed")

        task = asyncio.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # Lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Loads the subscriptions, starts the timer, and in the background catches up on missed fires."""
        self._stopping.clear()
        await self.sync_jobs()
        self._timer.start()
        self._loop = asyncio.create_task(self._run())

    async def _run(self) -> None:
        last_scan: datetime | None = None
        while not self._stopping.is_set():
            try:
                await self.poll_once()
                now = self.now()
                if last_scan is None or now - last_scan >= timedelta(seconds=self.scan_interval_s):
                    # The first look after start reaches back further, to log what a downtime skipped.
                    lookback = STARTUP_LOOKBACK if last_scan is None else None
                    last_scan = now
                    result = await self.fire_due(now, lookback=lookback)
                    if lookback is not None:
                        # what a restart caught up on, and the mark that this replica has had its look
                        log.info(
                            "digest catch-up after start: %d fired, %d missed beyond the grace window",
                            len(result.fired),
                            len(result.late),
                        )
                await self._purge(now)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A database hiccup must not end the loop: the next tick tries again.
                log.exception("digest scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval_s):
                    await self._stopping.wait()

    async def _purge(self, now: datetime) -> None:
        if self._last_purge is not None and now - self._last_purge < PURGE_EVERY:
            return
        self._last_purge = now
        purged = await self.service.claims.purge_done_before(now - CLAIM_RETENTION)
        if purged:
            log.info("purged %d finished digest claims", purged)

    async def stop(self, *, drain_s: float = 5.0) -> None:
        """Stops taking fires, lets posts under way finish for a moment, then gives up unfinished claims
        so another replica takes them over at once instead of after their lease."""
        self._stopping.set()
        if self._timer.running:
            self._timer.shutdown(wait=False)
        running = set(self._tasks) | ({self._loop} if self._loop is not None else set())
        self._loop = None
        if running:
            _, pending = await asyncio.wait(running, timeout=drain_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        released = await self.service.release_open_claims()
        if released:
            log.info("released %d unfinished digest claims held by %s", released, self.holder)
