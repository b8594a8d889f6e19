"""What the polling watcher saw last, per pipeline, so a restart does not re-announce old news.

A poll reads every pipeline's row and writes only those that changed. Both are sized for accounts of
tens of thousands of connections polled every two minutes while people use the bot:
- reading takes no write lock (`Database.read`), and the stored JSON is decoded only when its text differs
  from what this repo decoded last time (in a steady account, almost never);
- writing is one executemany per chunk of rows, each chunk its own short transaction, so a command's
  database work waits for at most one chunk, never for the whole first baseline of the account.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, select, type_coerce

from bot.clock import Now, utcnow
from bot.keys import source_of
from bot.storage.db import Database
from bot.storage.sql import upsert_many
from bot.storage.tables import watch_state

# Rows per write transaction, the most a command's write waits behind. Benchmark 8's first poll (10,000
# rows) on 2 shared cores: with 500 a command waited 74 ms at most, with 200 ~40 ms, for no longer a poll.
WRITE_CHUNK = 200
# Rows decoded between two yields to the loop on a read (only rows that changed are decoded)
DECODE_CHUNK = 1000
COLUMNS = ["connection_id", "source", "state", "seen_at"]


@dataclass(frozen=True)
class WatchState:
    connection_id: str  # the pipeline's key (`bot.keys`)
    state: Mapping[str, Any] = field(hash=False)
    seen_at: datetime


def _utc(seen_at: object) -> datetime:
    """seen_at as the driver handed it over (SQLite: naive UTC text; PostgreSQL: an aware datetime)."""
    value = seen_at if isinstance(seen_at, datetime) else datetime.fromisoformat(str(seen_at))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class WatchStateRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock
        # key -> (stored JSON text, seen_at as read, its decoded WatchState): a row read again unchanged
        # is reused
        self._decoded: dict[str, tuple[str, object, WatchState]] = {}

    async def get_all(self, source: str | None = None) -> dict[str, WatchState]:
        """Every pipeline's last state by key, or only those of `source` (a watcher per source)."""
        # The state as its stored text: comparing texts is far cheaper than decoding 10,000 of them.
        # So is seen_at as the driver gives it (SQLite: text), parsed only with a changed row.
        text = type_coerce(watch_state.c.state, Text)
        seen = type_coerce(watch_state.c.seen_at, Text)
        statement = select(watch_state.c.connection_id, text, seen)
        if source is not None:
            statement = statement.where(watch_state.c.source == source)
        async with self._db.read() as connection:
            rows = (await connection.execute(statement)).all()
        found: dict[str, WatchState] = {}
        known = self._decoded
        fresh = 0
        for key, stored, seen_at in rows:
            if isinstance(stored, (bytes, bytearray)):
                stored = stored.decode()
            elif not isinstance(stored, str):  # a driver that decodes JSON itself
                stored = json.dumps(stored, sort_keys=True)
            memo = known.get(key)
            if memo is None or memo[0] != stored or memo[1] != seen_at:
                decoded = WatchState(key, json.loads(stored), _utc(seen_at))
                memo = known[key] = (stored, seen_at, decoded)
                fresh += 1
                if fresh % DECODE_CHUNK == 0:
                    await asyncio.sleep(0)  # a first read of 10,000 rows is ~30 ms: commands go between
            found[key] = memo[2]
        if source is None:
            # forget what is gone, so the memo never outgrows the table
            for key in known.keys() - found.keys():
                del known[key]
        return found

    async def put_many(self, states: Mapping[str, Mapping[str, Any]]) -> None:
        """Stores each pipeline's state (replacing the previous one), `WRITE_CHUNK` rows a transaction."""
        if not states:
            return
        now = self._clock()
        keys = list(states)
        for start in range(0, len(keys), WRITE_CHUNK):
            if start:
                await asyncio.sleep(0)  # let the commands queued behind the last chunk take the lock
            rows = [  # a chunk's rows only: building all 10,000 at once was one long step
                {"connection_id": key, "source": source_of(key), "state": dict(states[key]), "seen_at": now}
                for key in keys[start : start + WRITE_CHUNK]
            ]
            async with self._db.begin() as connection:
                statement = upsert_many(connection, watch_state, COLUMNS, ["connection_id"])
                await connection.execute(statement, rows)
