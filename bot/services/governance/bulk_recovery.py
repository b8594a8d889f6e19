"""Bulk runs a process left unfinished (killed, crashed, scaled away): found and reported to their channel.

Every replica looks at start and then every minute, since another replica may die mid-run; whoever looks
first reports a stale run (`BulkService.interrupted` hands each out once) and closes its audit entry, which
says `started` until someone says how the run ended.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.blocks.governance import BulkLine, render_bulk_report
from bot.clock import Sleep
from bot.services.governance.bulk import BulkService
from bot.services.runtime.background import Periodic
from bot.services.runtime.posting import ChannelPoster, PostError, SlackUnavailable
from bot.storage.bulk import BulkRun

log = logging.getLogger(__name__)

LOOK_EVERY_S = 60.0


def bulk_lines(run: BulkRun, names: dict[str, str]) -> list[BulkLine]:
    return [
        BulkLine(names.get(i.connection_id, i.connection_id), i.status, i.reason or "") for i in run.items
    ]


def run_summary(run: BulkRun) -> str:
    """What the audit log keeps of a run: its items counted by status, in the report's words."""
    counts: dict[str, int] = {}
    for item in run.items:
        counts[item.status] = counts.get(item.status, 0) + 1
    words = {
        "in_progress": "unknown (may have been applied)",
        "pending": "not started",
        "untested": "could not be tested",
    }
    if run.action == "test":
        words["done"] = "passed"
    return ", ".join(f"{n} {words.get(status, status)}" for status, n in sorted(counts.items()))


class InterruptedAudit(Protocol):
    async def close_interrupted(self, action: str, run_id: str, message: str) -> int: ...


class InterruptedRuns:
    def __init__(
        self,
        bulk: BulkService,
        audit: InterruptedAudit,
        poster: ChannelPoster,
        *,
        every: float = LOOK_EVERY_S,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._bulk = bulk
        self._audit = audit
        self._poster = poster
        # `report` runs at start (`Bot.start`), so the loop's first look is an interval later
        self._loop = Periodic("bulk-monitor", self.report, every=every, sleep=sleep, wait_first=True)

    async def report(self) -> None:
        for run in await self._bulk.interrupted():
            report = render_bulk_report(
                run.action.split(":")[0], bulk_lines(run, {}), by=run.user_id, interrupted=True
            )
            await self._audit.close_interrupted("bulk", run.id, f"interrupted: {run_summary(run)}")
            try:
                if run.message_ts:
                    await self._poster.update(run.channel_id, run.message_ts, report)
                else:
                    await self._poster.post(run.channel_id, report)
            except (PostError, SlackUnavailable) as error:
                log.warning("could not report interrupted bulk run %s: %s", run.id, error.code)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
