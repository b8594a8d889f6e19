"""Historical re-syncs waiting for a second admin: asked once, decided once, expired after a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import insert, select, update

from bot.clock import Now, utcnow
from bot.keys import source_of
from bot.storage.db import Database
from bot.storage.ids import short_id
from bot.storage.rows import record
from bot.storage.tables import resync_approvals

ApprovalState = Literal["pending", "approved", "rejected"]


@dataclass(frozen=True)
class ApprovalRequest:
    id: str
    connection_id: str  # the pipeline's key (`bot.keys`)
    channel_id: str
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    state: ApprovalState
    decided_by: str | None
    decided_at: datetime | None


class ApprovalRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def ask(
        self, *, connection_id: str, channel_id: str, requested_by: str, ttl: timedelta
    ) -> ApprovalRequest:
        now = self._clock()
        request = ApprovalRequest(
            id=short_id(12),  # 60 random bits: the id is the only thing a button carries
            connection_id=connection_id,
            channel_id=channel_id,
            requested_by=requested_by,
            requested_at=now,
            expires_at=now + ttl,
            state="pending",
            decided_by=None,
            decided_at=None,
        )
        async with self._db.begin() as connection:
            await connection.execute(
                insert(resync_approvals).values(**request.__dict__, source=source_of(connection_id))
            )
        return request

    async def get(self, request_id: str) -> ApprovalRequest | None:
        async with self._db.begin() as connection:
            row = (
                await connection.execute(select(resync_approvals).where(resync_approvals.c.id == request_id))
            ).one_or_none()
        return None if row is None else record(ApprovalRequest, row)

    async def decide(self, request_id: str, *, by: str, approve: bool) -> bool:
        """Moves a pending, unexpired request asked by someone else to its verdict. True for exactly one
        caller, whatever the number of presses and replicas: the database, not a prior read, decides."""
        now = self._clock()
        async with self._db.begin() as connection:
            decided = await connection.execute(
                update(resync_approvals)
                .where(
                    resync_approvals.c.id == request_id,
                    resync_approvals.c.state == "pending",
                    resync_approvals.c.expires_at > now,
                    resync_approvals.c.requested_by != by,
                )
                .values(state="approved" if approve else "rejected", decided_by=by, decided_at=now)
                .returning(resync_approvals.c.id)
            )
            return len(decided.all()) == 1
