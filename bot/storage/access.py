"""Roles granted in Slack (`access grant`), on top of HVR_ADMINS and HVR_OPERATORS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, select

from bot.clock import Now, utcnow
from bot.storage.db import Database
from bot.storage.sql import upsert
from bot.storage.tables import access_grants

Role = Literal["operator", "admin"]


@dataclass(frozen=True)
class AccessGrant:
    subject_id: str  # U… user or S… user group
    role: Role
    granted_by: str
    granted_at: datetime


class AccessRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def grant(self, subject_id: str, role: Role, granted_by: str) -> AccessGrant:
        """Gives `subject_id` the role, replacing any role it had (one grant per subject)."""
        grant = AccessGrant(subject_id, role, granted_by, self._clock())
        async with self._db.begin() as connection:
            values = {
                "subject_id": subject_id,
                "role": role,
                "granted_by": granted_by,
                "granted_at": grant.granted_at,
            }
            await connection.execute(upsert(connection, access_grants, values, ["subject_id"]))
        return grant

    async def revoke(self, subject_id: str) -> bool:
        async with self._db.begin() as connection:
            removed = await connection.execute(
                delete(access_grants)
                .where(access_grants.c.subject_id == subject_id)
                .returning(access_grants.c.subject_id)
            )
            return removed.first() is not None

    async def list(self) -> list[AccessGrant]:
        async with self._db.begin() as connection:
            rows = (
                await connection.execute(select(access_grants).order_by(access_grants.c.subject_id))
            ).all()
        return [AccessGrant(r.subject_id, r.role, r.granted_by, r.granted_at) for r in rows]
