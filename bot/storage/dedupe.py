"""First-time keys: a Slack retry or a double click must not trigger Fivetran twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update

from bot.clock import Now, utcnow
from bot.storage.db import Database
from bot.storage.sql import insert_ignoring_conflicts
from bot.storage.tables import action_dedupe


class DedupeRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def first_time(self, key: str, ttl_s: float) -> bool:
        """True for the first caller with `key` within `ttl_s` seconds, False for every repeat.

        A key older than the TTL counts as new again, and exactly one caller renews it.
        """
        now = self._clock()
        async with self._db.begin() as connection:
            inserted = await connection.execute(
                insert_ignoring_conflicts(
                    connection, action_dedupe, {"key": key, "created_at": now}
                ).returning(action_dedupe.c.key)
            )
            if inserted.first() is not None:
                return True
            renewed = await connection.execute(
                update(action_dedupe)
                .where(
                    action_dedupe.c.key == key,
                    action_dedupe.c.created_at <= now - timedelta(seconds=ttl_s),
                )
                .values(created_at=now)
                .returning(action_dedupe.c.key)
            )
            return renewed.first() is not None

    async def purge_before(self, cutoff: datetime) -> int:
        async with self._db.begin() as connection:
            purged = await connection.execute(
                delete(action_dedupe)
                .where(action_dedupe.c.created_at < cutoff)
                .returning(action_dedupe.c.key)
            )
            return len(purged.all())
