"""Slack request signatures seen recently, kept where every replica and the next process see them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from bot.storage.db import Database
from bot.storage.sql import dialect_insert
from bot.storage.tables import seen_signatures


class SignatureRepo:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def claim(self, signatures: Sequence[str], at: datetime) -> set[str]:
        """Those of `signatures` no replica stored before, now stored: one multi-row INSERT … ON CONFLICT
        DO NOTHING RETURNING, sent alone in autocommit (one round trip, not BEGIN, INSERT and COMMIT)."""
        if not signatures:
            return set()
        rows = [{"signature": s, "seen_at": at} for s in dict.fromkeys(signatures)]
        async with self._db.engine.connect() as connection:
            auto = await connection.execution_options(isolation_level="AUTOCOMMIT")
            inserted = await auto.execute(
                dialect_insert(auto, seen_signatures)
                .values(rows)
                .on_conflict_do_nothing()
                .returning(seen_signatures.c.signature)
            )
            return {row.signature for row in inserted}

    async def add_many(self, seen: Sequence[tuple[str, datetime]]) -> None:
        """Writes a batch of signatures in one transaction; ones already stored are left as they are."""
        if not seen:
            return
        rows = [{"signature": s, "seen_at": at} for s, at in seen]
        async with self._db.begin() as connection:
            await connection.execute(
                dialect_insert(connection, seen_signatures).on_conflict_do_nothing(), rows
            )

    async def since(self, cutoff: datetime) -> list[str]:
        async with self._db.begin() as connection:
            found = await connection.scalars(
                select(seen_signatures.c.signature).where(seen_signatures.c.seen_at >= cutoff)
            )
            return list(found.all())

    async def purge_before(self, cutoff: datetime) -> None:
        async with self._db.begin() as connection:
            await connection.execute(delete(seen_signatures).where(seen_signatures.c.seen_at < cutoff))
