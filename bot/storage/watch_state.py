"""What the polling watcher saw last, per pipeline, so a restart does not re-announce old news."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.clock import Now, utcnow
from bot.keys import source_of
from bot.storage.db import Database
from bot.storage.sql import upsert
from bot.storage.tables import watch_state


@dataclass(frozen=True)
class WatchState:
    connection_id: str  # the pipeline's key (`bot.keys`)
    state: Mapping[str, Any] = field(hash=False)
    seen_at: datetime


class WatchStateRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def get_all(self, source: str | None = None) -> dict[str, WatchState]:
        """Every pipeline's last state by key, or only those of `source` (a watcher per source)."""
        statement = select(watch_state)
        if source is not None:
            statement = statement.where(watch_state.c.source == source)
        async with self._db.begin() as connection:
            rows = (await connection.execute(statement)).all()
        return {r.connection_id: WatchState(r.connection_id, dict(r.state), r.seen_at) for r in rows}

    async def put_many(self, states: Mapping[str, Mapping[str, Any]]) -> None:
        """Stores each pipeline's state (replacing the previous one) in one transaction."""
        if not states:
            return
        now = self._clock()
        async with self._db.begin() as connection:
            for key, state in states.items():
                values = {
                    "connection_id": key,
                    "source": source_of(key),
                    "state": dict(state),
                    "seen_at": now,
                }
                await connection.execute(upsert(connection, watch_state, values, ["connection_id"]))
