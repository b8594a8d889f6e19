"""Snoozes: a pipeline's failure alerts held in one channel until a time, or until it recovers.

Ending a snooze is a conditional UPDATE from "in force", so when the time comes (or the recovery, or an
`unsnooze`) exactly one replica gets the row back and posts the summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, or_, select, update

from bot.clock import Now, utcnow
from bot.keys import source_of
from bot.storage.db import Database
from bot.storage.sql import insert_ignoring_conflicts
from bot.storage.tables import alert_snoozes


@dataclass(frozen=True)
class Snooze:
    id: int
    connection_id: str
    channel_id: str
    thread_ts: str | None
    snoozed_by: str
    snoozed_at: datetime
    until: datetime | None  # None: until it recovers
    held: int
    ended_at: datetime | None
    ended_by: str | None

    @property
    def until_recovery(self) -> bool:
        return self.until is None


def _row(row: Row[Any]) -> Snooze:
    return Snooze(
        row.id,
        row.connection_id,
        row.channel_id,
        row.thread_ts,
        row.snoozed_by,
        row.snoozed_at,
        row.until,
        row.held,
        row.ended_at,
        row.ended_by,
    )


def _in_force(connection_id: str, channel_id: str) -> ColumnElement[bool]:
    table = alert_snoozes
    return and_(
        table.c.connection_id == connection_id, table.c.channel_id == channel_id, table.c.ended_at.is_(None)
    )


class SnoozeRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def snooze(
        self,
        *,
        connection_id: str,
        channel_id: str,
        user_id: str,
        until: datetime | None,
        thread_ts: str | None,
    ) -> Snooze:
        """Snoozes the pipeline here; a snooze already in force is changed to this one (its count kept)."""
        table = alert_snoozes
        now = self._clock()
        async with self._db.begin() as connection:
            values = {
                "connection_id": connection_id,
                "channel_id": channel_id,
                "source": source_of(connection_id),
                "thread_ts": thread_ts,
                "snoozed_by": user_id,
                "snoozed_at": now,
                "until": until,
            }
            row = (
                await connection.execute(
                    insert_ignoring_conflicts(connection, table, values).returning(table)
                )
            ).one_or_none()
            if row is None:
                changed = {"snoozed_by": user_id, "snoozed_at": now, "until": until}
                if thread_ts is not None:
                    changed["thread_ts"] = thread_ts
                row = (
                    await connection.execute(
                        update(table)
                        .where(_in_force(connection_id, channel_id))
                        .values(**changed)
                        .returning(table)
                    )
                ).one()
        return _row(row)

    async def in_force(self, connection_id: str, channel_id: str, now: datetime) -> Snooze | None:
        """The snooze holding this pipeline's alerts here now (one whose time has passed holds nothing)."""
        table = alert_snoozes
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    select(table).where(
                        _in_force(connection_id, channel_id),
                        or_(table.c.until.is_(None), table.c.until > now),
                    )
                )
            ).one_or_none()
        return None if row is None else _row(row)

    async def hold(self, snooze_id: int) -> None:
        """Counts one failure alert kept out of the channel."""
        table = alert_snoozes
        async with self._db.begin() as connection:
            await connection.execute(
                update(table).where(table.c.id == snooze_id).values(held=table.c.held + 1)
            )

    async def list_for_channel(self, channel_id: str) -> list[Snooze]:
        table = alert_snoozes
        async with self._db.begin() as connection:
            rows = (
                await connection.execute(
                    select(table)
                    .where(table.c.channel_id == channel_id, table.c.ended_at.is_(None))
                    .order_by(table.c.id)
                )
            ).all()
        return [_row(row) for row in rows]

    async def end(
        self, connection_id: str, channel_id: str, *, by: str, until_recovery_only: bool = False
    ) -> Snooze | None:
        """Ends the snooze in force (only an "until it recovers" one with `until_recovery_only`); None when
        there was none, or another caller ended it first."""
        table = alert_snoozes
        where = _in_force(connection_id, channel_id)
        if until_recovery_only:
            where = and_(where, table.c.until.is_(None))
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    update(table).where(where).values(ended_at=self._clock(), ended_by=by).returning(table)
                )
            ).one_or_none()
        return None if row is None else _row(row)

    async def end_expired(self, now: datetime) -> list[Snooze]:
        """Ends every timed snooze whose time came; each is returned to exactly one caller."""
        table = alert_snoozes
        async with self._db.begin() as connection:
            rows = (
                await connection.execute(
                    update(table)
                    .where(table.c.ended_at.is_(None), table.c.until.is_not(None), table.c.until <= now)
                    .values(ended_at=now, ended_by="time")
                    .returning(table)
                )
            ).all()
        return [_row(row) for row in rows]
