"""Delivered outbox rows are kept a while (what was sent, when, after how many attempts), then dropped.

Every replica runs the purge; a DELETE of rows already gone deletes nothing, so they need no claim.
Undelivered rows are never purged, however old: the deliverer gives them up after 24 hours and marks
them done, and only then does their retention start.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.clock import Now, Sleep, utcnow
from bot.services.runtime.background import Periodic
from bot.storage.outbox import OutboxRepo

log = logging.getLogger(__name__)

RETENTION = timedelta(days=7)
PURGE_EVERY_S = 3600.0


class OutboxPurge:
    def __init__(
        self,
        repo: OutboxRepo,
        *,
        now: Now = utcnow,
        sleep: Sleep = asyncio.sleep,
        retention: timedelta = RETENTION,
        every_s: float = PURGE_EVERY_S,
    ) -> None:
        self._repo = repo
        self._now = now
        self.retention = retention
        self._loop = Periodic("outbox-purge", self._pass, every=every_s, sleep=sleep)

    async def run_once(self) -> int:
        """Drops the rows done longer than the retention ago; returns how many."""
        purged = await self._repo.purge_done_before(self._now() - self.retention)
        if purged:
            log.info("outbox: purged %d rows delivered more than %s ago", purged, self.retention)
        return purged

    async def _pass(self) -> None:
        await self.run_once()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
