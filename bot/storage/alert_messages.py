"""Open failure alerts in Slack, so that a recovery is posted as a reply in the alert's thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update

from bot.clock import Now, utcnow
from bot.keys import source_of
from bot.storage.db import Database
from bot.storage.sql import insert_ignoring_conflicts
from bot.storage.tables import alert_messages


@dataclass(frozen=True)
class AlertMessage:
    id: int
    connection_id: str  # the pipeline's key (`bot.keys`)
    channel_id: str
    subscription_id: str | None
    ts: str
    opened_at: datetime
    closed_at: datetime | None


def _row(row: Row[Any]) -> AlertMessage:
    return AlertMessage(
        row.id, row.connection_id, row.channel_id, row.subscription_id, row.ts, row.opened_at, row.closed_at
    )


class AlertMessageRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def open(
        self, *, connection_id: str, channel_id: str, ts: str, subscription_id: str | None = None
    ) -> AlertMessage | None:
        """Records the alert posted as message `ts`; None if one is already open for this connector here."""
        values = {
            "connection_id": connection_id,
            "source": source_of(connection_id),
            "channel_id": channel_id,
            "subscription_id": subscription_id,
            "ts": ts,
            "opened_at": self._clock(),
        }
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    insert_ignoring_conflicts(connection, alert_messages, values).returning(alert_messages)
                )
            ).one_or_none()
        return None if row is None else _row(row)

    async def find_open(self, connection_id: str, channel_id: str) -> AlertMessage | None:
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    select(alert_messages).where(
                        alert_messages.c.connection_id == connection_id,
                        alert_messages.c.channel_id == channel_id,
                        alert_messages.c.closed_at.is_(None),
                    )
                )
            ).one_or_none()
        return None if row is None else _row(row)

    async def list_open(self, connection_id: str) -> list[AlertMessage]:
        """Every channel's open alert for the connector (a recovery is told in each of them)."""
        async with self._db.begin() as connection:
            rows = (
                await connection.execute(
                    select(alert_messages)
                    .where(
                        alert_messages.c.connection_id == connection_id, alert_messages.c.closed_at.is_(None)
                    )
                    .order_by(alert_messages.c.id)
                )
            ).all()
        return [_row(row) for row in rows]

    async def close(self, connection_id: str, channel_id: str) -> AlertMessage | None:
        """Closes the open alert and returns it (its ts is the thread to reply in); None if none was open.

        Only one concurrent caller gets the row back, so only one replica posts the recovery.
        """
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    update(alert_messages)
                    .where(
                        alert_messages.c.connection_id == connection_id,
                        alert_messages.c.channel_id == channel_id,
                        alert_messages.c.closed_at.is_(None),
                    )
                    .values(closed_at=self._clock())
                    .returning(alert_messages)
                )
            ).one_or_none()
        return None if row is None else _row(row)

    async def count_opened_since(self, connection_id: str, channel_id: str, since: datetime) -> int:
        """How many alerts (open or closed) were posted for the connector here since `since`: flapping."""
        async with self._db.begin() as connection:
            found = await connection.scalar(
                select(func.count())
                .select_from(alert_messages)
                .where(
                    alert_messages.c.connection_id == connection_id,
                    alert_messages.c.channel_id == channel_id,
                    alert_messages.c.opened_at >= since,
                )
            )
        return int(found or 0)
