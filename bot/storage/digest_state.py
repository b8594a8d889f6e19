"""What the previous digest of a subscription showed, for "what changed since last time"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.sql import upsert
from bot.storage.tables import digest_state


@dataclass(frozen=True)
class DigestState:
    subscription_id: str
    last_fire_time: datetime
    last_problems: Mapping[str, str] = field(hash=False)  # connection id -> health


class DigestStateRepo:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, subscription_id: str) -> DigestState | None:
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    select(digest_state).where(digest_state.c.subscription_id == subscription_id)
                )
            ).one_or_none()
        if row is None:
            return None
        return DigestState(row.subscription_id, row.last_fire_time, dict(row.last_problems))

    async def put(self, subscription_id: str, fire_time: datetime, problems: Mapping[str, str]) -> None:
        values = {
            "subscription_id": subscription_id,
            "last_fire_time": fire_time,
            "last_problems": dict(problems),
        }
        async with self._db.begin() as connection:
            await connection.execute(upsert(connection, digest_state, values, ["subscription_id"]))
