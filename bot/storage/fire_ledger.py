"""A read-only view of recent fire claims, so a scheduler can find fires nobody finished in one query.

`ClaimRepo` answers one fire at a time; a scheduler scanning every subscription's recent fire times (at
start, and to take over claims whose holder died) would need a query per fire. This asks once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.tables import fire_claims


@dataclass(frozen=True)
class FireRecord:
    subscription_id: str
    fire_time: datetime
    holder: str
    lease_until: datetime
    done_at: datetime | None

    @property
    def done(self) -> bool:
        return self.done_at is not None


class FireLedger:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def since(self, cutoff: datetime) -> dict[tuple[str, datetime], FireRecord]:
        """Every claim (done or not) of a fire at or after `cutoff`, by (subscription id, fire time UTC)."""
        table = fire_claims
        query = select(
            table.c.subscription_id, table.c.fire_time, table.c.holder, table.c.lease_until, table.c.done_at
        ).where(table.c.fire_time >= cutoff)
        async with self._db.begin() as connection:
            rows = (await connection.execute(query)).all()
        found: dict[tuple[str, datetime], FireRecord] = {}
        for row in rows:
            record = FireRecord(row.subscription_id, row.fire_time, row.holder, row.lease_until, row.done_at)
            found[(record.subscription_id, record.fire_time)] = record
        return found
