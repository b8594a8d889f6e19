"""Digest and watch subscriptions of a channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import Now, utcnow
from bot.storage.db import Database
from bot.storage.ids import short_id
from bot.storage.tables import change_counters, subscriptions

SubscriptionKind = Literal["digest", "watch"]

_COUNTER = "subscriptions"
_ID_ATTEMPTS = 8


@dataclass(frozen=True)
class Subscription:
    id: str
    kind: SubscriptionKind
    channel_id: str
    created_by: str
    schedule: str | None
    timezone: str
    selector: str
    options: Mapping[str, Any] = field(hash=False)
    created_at: datetime
    updated_at: datetime
    active: bool


def _row(row: Row[Any]) -> Subscription:
    return Subscription(
        id=row.id,
        kind=row.kind,
        channel_id=row.channel_id,
        created_by=row.created_by,
        schedule=row.schedule,
        timezone=row.timezone,
        selector=row.selector,
        options=dict(row.options or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        active=bool(row.active),
    )


_bump = (
    update(change_counters)
    .where(change_counters.c.name == _COUNTER)
    .values(value=change_counters.c.value + 1)
)


class SubscriptionRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def add(
        self,
        *,
        kind: SubscriptionKind,
        channel_id: str,
        created_by: str,
        timezone: str,
        selector: str = "",
        schedule: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Subscription:
        """Stores a new active subscription under a fresh short id and returns it."""
        now = self._clock()
        for _ in range(_ID_ATTEMPTS):
            values = {
                "id": short_id(),
                "kind": kind,
                "channel_id": channel_id,
                "created_by": created_by,
                "schedule": schedule,
                "timezone": timezone,
                "selector": selector,
                "options": dict(options or {}),
                "created_at": now,
                "updated_at": now,
                "active": True,
            }
            try:
                async with self._db.begin() as connection:
                    row = (
                        await connection.execute(
                            insert(subscriptions).values(**values).returning(subscriptions)
                        )
                    ).one()
                    await connection.execute(_bump)
                return _row(row)
            except IntegrityError:
                # The random id was taken (the only unique column); draw another in a new transaction.
                continue
        raise RuntimeError(f"could not find a free subscription id in {_ID_ATTEMPTS} attempts")

    async def get(self, subscription_id: str) -> Subscription | None:
        async with self._db.begin() as connection:
            row = (
                await connection.execute(select(subscriptions).where(subscriptions.c.id == subscription_id))
            ).one_or_none()
        return None if row is None else _row(row)

    async def list_for_channel(
        self, channel_id: str, kind: SubscriptionKind | None = None
    ) -> list[Subscription]:
        query = select(subscriptions).where(subscriptions.c.channel_id == channel_id, subscriptions.c.active)
        if kind is not None:
            query = query.where(subscriptions.c.kind == kind)
        async with self._db.begin() as connection:
            rows = (await connection.execute(query.order_by(subscriptions.c.created_at))).all()
        return [_row(row) for row in rows]

    async def list_active(self, kind: SubscriptionKind | None = None) -> list[Subscription]:
        query = select(subscriptions).where(subscriptions.c.active)
        if kind is not None:
            query = query.where(subscriptions.c.kind == kind)
        async with self._db.begin() as connection:
            rows = (await connection.execute(query.order_by(subscriptions.c.id))).all()
        return [_row(row) for row in rows]

    async def remove(self, subscription_id: str, channel_id: str) -> bool:
        """Deactivates the subscription if it belongs to `channel_id`; False when there is none to remove.

        The row stays (inactive) so that its claims, digest state and alert threads keep their reference.
        """
        async with self._db.begin() as connection:
            removed = (
                await connection.execute(
                    update(subscriptions)
                    .where(
                        subscriptions.c.id == subscription_id,
                        subscriptions.c.channel_id == channel_id,
                        subscriptions.c.active,
                    )
                    .values(active=False, updated_at=self._clock())
                    .returning(subscriptions.c.id)
                )
            ).first()
            if removed is not None:
                await connection.execute(_bump)
        return removed is not None

    async def version(self) -> int:
        """A number that grows with every change to any subscription: poll it to reload cheaply."""
        async with self._db.begin() as connection:
            value = await connection.scalar(
                select(func.coalesce(func.max(change_counters.c.value), 0)).where(
                    change_counters.c.name == _COUNTER
                )
            )
        return int(value or 0)
