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
    acked_by: str | None = None
    acked_at: datetime | None = None
    reminders: int = 0  # reminder periods told so far
    view: dict[str, Any] | None = None  # what the alert was drawn from (`bot.services.alerts.incident`)


def _row(row: Row[Any]) -> AlertMessage:
    return AlertMessage(
        row.id,
        row.connection_id,
        row.channel_id,
        row.subscription_id,
        row.ts,
        row.opened_at,
        row.closed_at,
        row.acked_by,
        row.acked_at,
        row.reminders,
        row.view if isinstance(row.view, dict) else None,
    )


class AlertMessageRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def open(
        self,
        *,
        connection_id: str,
        channel_id: str,
        ts: str,
        subscription_id: str | None = None,
        view: dict[str, Any] | None = None,
    ) -> AlertMessage | None:
        """Records the alert posted as message `ts`; None if one is already open for this connector here."""
        values = {
            "connection_id": connection_id,
            "source": source_of(connection_id),
            "channel_id": channel_id,
            "subscription_id": subscription_id,
            "ts": ts,
            "opened_at": self._clock(),
            "view": view,
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

    async def get(self, alert_id: int) -> AlertMessage | None:
        async with self._db.begin() as connection:
            row = (
                await connection.execute(select(alert_messages).where(alert_messages.c.id == alert_id))
            ).one_or_none()
        return None if row is None else _row(row)

    async def find_by_ts(self, channel_id: str, ts: str) -> AlertMessage | None:
        """The alert posted as message `ts` (a button pressed on it names only that message)."""
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    select(alert_messages)
                    .where(alert_messages.c.channel_id == channel_id, alert_messages.c.ts == ts)
                    .order_by(alert_messages.c.id.desc())
                    .limit(1)
                )
            ).one_or_none()
        return None if row is None else _row(row)

    async def set_view(self, alert_id: int, view: dict[str, Any]) -> None:
        async with self._db.begin() as connection:
            await connection.execute(
                update(alert_messages).where(alert_messages.c.id == alert_id).values(view=view)
            )

    async def acknowledge(self, alert_id: int, user_id: str) -> AlertMessage | None:
        """Marks the open alert taken by `user_id`; None when it is closed or someone took it first (one
        press wins on any replica)."""
        async with self._db.begin() as connection:
            row = (
                await connection.execute(
                    update(alert_messages)
                    .where(
                        alert_messages.c.id == alert_id,
                        alert_messages.c.closed_at.is_(None),
                        alert_messages.c.acked_at.is_(None),
                    )
                    .values(acked_by=user_id, acked_at=self._clock())
                    .returning(alert_messages)
                )
            ).one_or_none()
        return None if row is None else _row(row)

    async def unacknowledged_open(self) -> list[AlertMessage]:
        """Open alerts nobody took: the ones reminders are for."""
        async with self._db.begin() as connection:
            rows = (
                await connection.execute(
                    select(alert_messages)
                    .where(alert_messages.c.closed_at.is_(None), alert_messages.c.acked_at.is_(None))
                    .order_by(alert_messages.c.id)
                )
            ).all()
        return [_row(row) for row in rows]

    async def acknowledged_open(self, user_id: str) -> list[AlertMessage]:
        """The open incidents `user_id` took (the Home tab lists them)."""
        async with self._db.begin() as connection:
            rows = (
                await connection.execute(
                    select(alert_messages)
                    .where(alert_messages.c.closed_at.is_(None), alert_messages.c.acked_by == user_id)
                    .order_by(alert_messages.c.id)
                )
            ).all()
        return [_row(row) for row in rows]

    async def reminded(self, alert_id: int, period: int) -> bool:
        """Records that reminder number `period` was told; False when it (or a later one) already was."""
        async with self._db.begin() as connection:
            done = await connection.execute(
                update(alert_messages)
                .where(alert_messages.c.id == alert_id, alert_messages.c.reminders < period)
                .values(reminders=period, reminded_at=self._clock())
                .returning(alert_messages.c.id)
            )
            return done.first() is not None
