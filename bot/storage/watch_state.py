"""What the polling watcher saw last, per pipeline, so a restart does not re-announce old news.

A poll reads what changed in the table since this repo last read it, and writes only the states that
changed. Sized for accounts of tens of thousands of connections polled every two minutes while people
use the bot, on several replicas sharing one table:
- every write bumps the `watch_state` counter of `change_counters` in its own transaction and stamps its
  rows with the new value (`seq`). A read takes the counter first: unchanged since this repo's last read
  (or write), nothing more is read; moved, only the rows stamped after that are read and decoded. So a
  quiet poll reads one integer, and another replica's write is always read, whatever the clocks say;
- the counter's row lock makes writers take their numbers in commit order, so whatever a read sees of the
  table is every write up to some number and none after: nothing stamped below what a repo has read can
  still appear (what makes reading "after n" exact);
- reading takes no write lock (`Database.read`); writing is one executemany per chunk of rows, each chunk
  its own short transaction, so a command's database work waits for at most one chunk.
Only this repo writes the table, and anything that ever does must bump and stamp the same way: a row
changed without it stays unseen by a running replica until it restarts. Rows are never deleted (a
connection that is gone keeps its row, as it always did); a counter found lower than last read (a
restored database) makes the next read a full one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Now, utcnow
from bot.keys import source_of
from bot.storage.db import Database
from bot.storage.sql import dialect_insert, upsert_many
from bot.storage.tables import change_counters, watch_state

# Rows per write transaction, the most a command's write waits behind. Benchmark 8's first poll (10,000
# rows) on 2 shared cores: with 500 a command waited 74 ms at most, with 200 ~40 ms, for no longer a poll.
WRITE_CHUNK = 200
# Rows decoded between two yields to the loop on a read (only rows written since the last read)
DECODE_CHUNK = 1000
COLUMNS = ["connection_id", "source", "state", "seen_at", "seq"]
COUNTER = "watch_state"

# Values a JSON round trip gives back as they were (exactly these types: a subclass may encode otherwise)
_AS_STORED = frozenset({str, bool, int, type(None)})
_counter = select(change_counters.c.value).where(change_counters.c.name == COUNTER)


@dataclass(frozen=True)
class WatchState:
    connection_id: str  # the pipeline's key (`bot.keys`)
    state: Mapping[str, Any] = field(hash=False)
    seen_at: datetime


def _as_read(state: dict[str, Any]) -> dict[str, Any]:
    """A state as reading it back would give it: JSON's keys and values. The watcher's are strings,
    booleans and None, the same either way, so kept as they are (a JSON round trip of 10,000 states is
    ~70 ms); anything else (a float, a list, a key not a string) makes the round trip."""
    if all(type(key) is str and type(value) in _AS_STORED for key, value in state.items()):
        return state
    return dict(json.loads(json.dumps(state)))


def _decoded(stored: object) -> Any:
    if isinstance(stored, (bytes, bytearray, str)):
        return json.loads(stored)
    return stored  # a driver that decodes JSON itself


async def _bump(connection: AsyncConnection) -> int:
    """The counter moved on by one, its row locked until this transaction ends: the number this write
    stamps its rows with. An upsert, so a table made without the migration (`create_all`) works too."""
    statement = dialect_insert(connection, change_counters).values(name=COUNTER, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=["name"], set_={"value": change_counters.c.value + 1}
    ).returning(change_counters.c.value)
    return int(await connection.scalar(statement) or 0)


class WatchStateRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock
        # Every stored state (all sources) as of counter `_known`: None until the first read, and while a
        # full read is owed.
        self._states: dict[str, WatchState] = {}
        self._sources: dict[str, str] = {}
        self._known: int | None = None
        # reads and this repo's own writes change the three together, one at a time
        self._lock = asyncio.Lock()
        self.rows_read = 0  # rows fetched by every read so far: a quiet poll adds none

    async def get_all(self, source: str | None = None) -> dict[str, WatchState]:
        """Every pipeline's last state by key, or only those of `source` (a watcher per source). A row
        unchanged since the last read is handed back as the same `WatchState` object."""
        async with self._lock:
            await self._refresh()
            if source is None:
                return dict(self._states)
            sources = self._sources
            return {key: state for key, state in self._states.items() if sources[key] == source}

    async def _refresh(self) -> None:
        known = self._known
        # The state as its stored text, decoded here the same way whichever driver (`_decoded`)
        text = type_coerce(watch_state.c.state, Text)
        statement = select(watch_state.c.connection_id, watch_state.c.source, text, watch_state.c.seen_at)
        async with self._db.read() as connection:
            counter = int(await connection.scalar(_counter) or 0)
            if counter == known:
                return
            full = known is None or counter < known
            if not full:
                statement = statement.where(watch_state.c.seq > known)
            rows = (await connection.execute(statement)).all()
        self.rows_read += len(rows)
        read: list[tuple[str, str, WatchState]] = []
        for key, row_source, stored, seen_at in rows:
            read.append((key, row_source, WatchState(key, _decoded(stored), seen_at)))
            if len(read) % DECODE_CHUNK == 0:
                await asyncio.sleep(0)  # a first read of 10,000 rows is ~30 ms: commands go between
        # Applied at once, after the last await: a read cancelled while decoding leaves the memo as it was.
        if full:
            self._states, self._sources = {}, {}
        for key, row_source, state in read:
            self._states[key] = state
            self._sources[key] = row_source
        # Every write up to `counter` had committed when it was read, so every row stamped so far is in;
        # rows written since are stamped above it and read next time (perhaps once more than needed).
        self._known = counter

    async def put_many(self, states: Mapping[str, Mapping[str, Any]]) -> None:
        """Stores each pipeline's state (replacing the previous one), `WRITE_CHUNK` rows a transaction."""
        if not states:
            return
        now = self._clock()
        keys = list(states)
        for start in range(0, len(keys), WRITE_CHUNK):
            if start:
                await asyncio.sleep(0)  # let the commands queued behind the last chunk take the lock
            async with self._lock:
                await self._put_chunk(states, keys[start : start + WRITE_CHUNK], now)

    async def _put_chunk(
        self, states: Mapping[str, Mapping[str, Any]], keys: list[str], now: datetime
    ) -> None:
        rows: list[dict[str, Any]] = [  # a chunk's rows only: building all 10,000 at once was one long step
            {"connection_id": key, "source": source_of(key), "state": dict(states[key]), "seen_at": now}
            for key in keys
        ]
        committing = not self._db.in_unit()  # inside a unit, the write may yet be rolled back
        async with self._db.begin() as connection:
            seq = await _bump(connection)
            for row in rows:
                row["seq"] = seq
            await connection.execute(upsert_many(connection, watch_state, COLUMNS, ["connection_id"]), rows)
        if committing and self._known is not None and seq == self._known + 1:
            # Nobody else wrote since this repo's last read: the table is what was read plus this
            # chunk, so it is remembered as written (as a read would give it back: the JSON's values,
            # seen_at in UTC) and the next read has nothing to read. Otherwise the next read reads it.
            at = now.astimezone(UTC)
            for row in rows:
                key = row["connection_id"]
                self._states[key] = WatchState(key, _as_read(row["state"]), at)
                self._sources[key] = row["source"]
            self._known = seq
