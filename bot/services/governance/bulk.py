"""Bulk operations: `sync|pause|resume|test <selector>` on many connectors at once.

A preview is stored as a pending run with one item per connector, so Confirm runs exactly what was shown
(not whatever matches a minute later), and a run killed mid-way can say which items it never reached.
Items run with bounded concurrency; the client's request budget paces them below Fivetran's limits (a
bulk `test` below the setup tests' own: 250 a minute and 2,500 an hour).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.fivetran.models import Connection
from bot.services.pipelines.actions import ActionResult, ConnectorActions, failed_tests
from bot.services.pipelines.health import Health
from bot.services.pipelines.hub_health import is_hub_channel
from bot.services.pipelines.schedule import SchedulePatch
from bot.services.pipelines.selectors import Selector, select
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.services.runtime.holders import holder_is_gone
from bot.storage.bulk import BulkRepo, BulkRun, ItemStatus

TESTS_FAILED_SHOWN = 3  # a bulk report's line names this many of a connector's failed tests

log = logging.getLogger(__name__)

Progress = Callable[[BulkRun], Awaitable[None]]


@dataclass(frozen=True)
class BulkPlan:
    action: str
    selector: Selector
    force: bool
    targets: list[Connection]
    skipped: list[tuple[Connection, str]]
    schedule: SchedulePatch | None = None


def encode_schedule(patch: SchedulePatch) -> str:
    """The change as the run's stored action (64 characters at most): `schedule:auto`, `schedule:f=1440@01:00`."""
    if patch.schedule_type is not None:
        return f"schedule:{patch.schedule_type}"
    at = f"@{patch.daily_sync_time}" if patch.daily_sync_time else ""
    return f"schedule:f={patch.sync_frequency}{at}"


def decode_schedule(action: str) -> SchedulePatch:
    value = action.removeprefix("schedule:")
    if value in ("auto", "manual"):
        return SchedulePatch(schedule_type=value, said=value)
    frequency, _, at = value.removeprefix("f=").partition("@")
    return SchedulePatch(sync_frequency=int(frequency), daily_sync_time=at or None, said=value)


def _skip_reason(action: str, health: Health, connection: Connection, force: bool) -> str | None:
    if action == "schedule":
        return None  # a schedule is set whatever the connector is doing
    if action == "test":
        # Tests run whatever it is doing: a broken or paused connector is what they diagnose, and a hub
        # channel's tests are its locations', which exist before the channel is activated.
        return None
    if health == Health.INCOMPLETE and is_hub_channel(connection):
        # a channel not activated has no capture or integrate jobs: nothing to suspend, start or resume
        return "not activated: it has no jobs yet"
    if action == "pause":
        return "already paused" if connection.paused else None
    if action == "resume":
        return None if connection.paused else "not paused"
    if connection.paused:
        return "paused: resume it first"
    if health == Health.BROKEN:
        return "broken: fix it in Fivetran first"
    if health == Health.INCOMPLETE:
        return "setup incomplete"
    if health == Health.SYNCING and not force:
        return "already syncing"
    return None


def plan_bulk(
    snapshot: AccountSnapshot,
    action: str,
    selector: Selector,
    *,
    force: bool = False,
    schedule: SchedulePatch | None = None,
) -> BulkPlan:
    """Which matching connectors the action applies to, and why the others are skipped."""
    targets: list[Connection] = []
    skipped: list[tuple[Connection, str]] = []
    for connection in select(snapshot, selector):
        reason = _skip_reason(action, snapshot.health[connection.id], connection, force)
        if reason is None:
            targets.append(connection)
        else:
            skipped.append((connection, reason))
    return BulkPlan(action, selector, force, targets, skipped, schedule)


def outcome(action: str, result: ActionResult) -> tuple[ItemStatus, str]:
    """An item's status and reason from its result. A test is `done` when its tests passed and `failed`
    when they ran and some failed (named, as the report shows them); `untested` when the source never
    ran them (refused, unreachable), which is no verdict on the connector."""
    if result.ok:
        return "done", ""
    if action != "test":
        return "failed", result.summary
    if not result.setup_tests:
        return "untested", result.summary
    failed = failed_tests(result.setup_tests)
    named = "; ".join(
        f"{t.title}: {t.message}" if t.message else t.title for t in failed[:TESTS_FAILED_SHOWN]
    )
    more = f" and {len(failed) - TESTS_FAILED_SHOWN} more" if len(failed) > TESTS_FAILED_SHOWN else ""
    return "failed", f"{result.summary} {named}{more}".strip()


class BulkService:
    def __init__(
        self,
        repo: BulkRepo,
        actions: ConnectorActions,
        *,
        concurrency: int = 8,
        progress_every: float = 2.0,
        stale_after: timedelta = timedelta(minutes=2),
        holder: str = "",
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.repo = repo
        self._actions = actions
        self._concurrency = concurrency
        self._progress_every = progress_every
        self._stale_after = stale_after
        self._clock = clock
        self._now = now
        self._cancel: set[str] = set()
        self._holder = holder

    async def prepare(self, user_id: str, channel_id: str, plan: BulkPlan) -> BulkRun:
        action = f"{plan.action}:force" if plan.force else plan.action
        if plan.schedule is not None:
            action = encode_schedule(plan.schedule)
        return await self.repo.create(
            user_id=user_id, channel_id=channel_id, action=action, connection_ids=[c.id for c in plan.targets]
        )

    async def _one(self, action: str, connection_id: str) -> ActionResult:
        if action == "test":
            return await self._actions.run_setup_tests(connection_id)
        if action.startswith("schedule:"):
            return await self._actions.set_schedule(connection_id, decode_schedule(action))
        if action.startswith("sync"):
            return await self._actions.sync(connection_id, force=action.endswith(":force"), refresh=False)
        if action == "pause":
            return await self._actions.pause(connection_id)
        return await self._actions.resume(connection_id)

    async def run(self, run_id: str, progress: Progress) -> BulkRun | None:
        """Run a confirmed preview; None when it was already confirmed or cancelled (one click wins)."""
        if not await self.repo.set_status(
            run_id, "running", expected=["pending"], holder=self._holder or None
        ):
            return None
        run = await self.repo.get(run_id)
        assert run is not None
        queue: asyncio.Queue[str] = asyncio.Queue()
        for item in run.items:
            if item.status == "pending":
                queue.put_nowait(item.connection_id)
        last_progress = self._clock()

        async def worker() -> None:
            nonlocal last_progress
            while not queue.empty():
                if run_id in self._cancel:
                    return
                connection_id = queue.get_nowait()
                if not await self.repo.start_item(run_id, connection_id):
                    continue
                status: ItemStatus
                try:
                    status, reason = outcome(run.action, await self._one(run.action, connection_id))
                except Exception as error:  # one connector's trouble must not stop the other 499
                    log.exception("bulk %s of %s failed", run.action, connection_id)
                    status = "untested" if run.action == "test" else "failed"
                    reason = f"unexpected error ({type(error).__name__})"
                await self.repo.finish_item(run_id, connection_id, status, reason or None)
                if self._clock() - last_progress >= self._progress_every:
                    last_progress = self._clock()
                    current = await self.repo.get(run_id)
                    if current is not None:
                        await _quietly(progress(current))

        await asyncio.gather(*(worker() for _ in range(min(self._concurrency, max(1, queue.qsize())))))
        cancelled = run_id in self._cancel
        self._cancel.discard(run_id)
        if cancelled:
            await self.repo.cancel_pending(run_id, "cancelled before it started")
        await self.repo.set_status(run_id, "cancelled" if cancelled else "finished", expected=["running"])
        self._actions.invalidate()
        return await self.repo.get(run_id)

    async def cancel(self, run_id: str) -> BulkRun | None:
        """Stop what has not started; a pending preview is simply dropped."""
        self._cancel.add(run_id)
        if await self.repo.set_status(run_id, "cancelled", expected=["pending"]):
            self._cancel.discard(run_id)
            await self.repo.cancel_pending(run_id, "cancelled before it started")
        return await self.repo.get(run_id)

    async def interrupted(self) -> list[BulkRun]:
        """Runs left `running` by a process that died: one of this host whose process is gone, or any
        whose items stopped moving a while ago. Marked cancelled, so their report can say where they
        stopped."""
        found = []
        cutoff = self._now() - self._stale_after
        for run in await self.repo.list_running():
            if run.holder == self._holder:
                continue
            latest = max([run.updated_at, *(i.updated_at for i in run.items)])
            if latest.tzinfo is None:
                latest = latest.replace(tzinfo=UTC)
            gone = holder_is_gone(run.holder) or latest < cutoff
            if gone and await self.repo.set_status(run.id, "cancelled", expected=["running"]):
                updated = await self.repo.get(run.id)
                if updated is not None:
                    found.append(updated)
        return found


async def _quietly(work: Awaitable[None]) -> None:
    try:
        await work
    except Exception:
        log.warning("could not update bulk progress", exc_info=True)
