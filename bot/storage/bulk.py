"""Bulk runs (`sync status:failing` …) and their items, so a run killed mid-way can say where it stopped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import insert, select, update

from bot.clock import Now, utcnow
from bot.keys import source_of
from bot.storage.db import Database
from bot.storage.ids import short_id
from bot.storage.tables import bulk_items, bulk_runs

RunStatus = Literal["pending", "running", "finished", "cancelled"]
# `in_progress`: its Fivetran call was sent and not yet answered. A run killed then cannot know whether
# Fivetran applied it, so it is reported as unknown, never as not started. `untested`: a bulk test whose
# source never ran the tests (refused, unreachable): no verdict, unlike `failed` (they ran; some failed).
ItemStatus = Literal["pending", "in_progress", "done", "skipped", "failed", "untested", "cancelled"]


@dataclass(frozen=True)
class BulkItem:
    connection_id: str  # the pipeline's key (`bot.keys`); a run may span sources
    status: ItemStatus
    reason: str | None
    updated_at: datetime


@dataclass(frozen=True)
class BulkRun:
    id: str
    user_id: str
    channel_id: str
    action: str
    message_ts: str | None
    status: RunStatus
    created_at: datetime
    updated_at: datetime
    items: tuple[BulkItem, ...]
    holder: str | None = None


class BulkRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def create(
        self, *, user_id: str, channel_id: str, action: str, connection_ids: Sequence[str]
    ) -> BulkRun:
        """A new `pending` run (awaiting confirmation) with one `pending` item per connection, in order."""
        now = self._clock()
        run_id = short_id(10)  # 50 bits: a collision is not worth a retry loop
        async with self._db.begin() as connection:
            await connection.execute(
                insert(bulk_runs).values(
                    id=run_id,
                    user_id=user_id,
                    channel_id=channel_id,
                    action=action,
                    status="pending",
                    created_at=now,
                    updated_at=now,
                )
            )
            if connection_ids:
                await connection.execute(
                    insert(bulk_items),
                    [
                        {
                            "run_id": run_id,
                            "connection_id": cid,
                            "source": source_of(cid),
                            "position": i,
                            "status": "pending",
                            "updated_at": now,
                        }
                        for i, cid in enumerate(dict.fromkeys(connection_ids))
                    ],
                )
        run = await self.get(run_id)
        assert run is not None
        return run

    async def get(self, run_id: str) -> BulkRun | None:
        async with self._db.begin() as connection:
            run = (await connection.execute(select(bulk_runs).where(bulk_runs.c.id == run_id))).one_or_none()
            if run is None:
                return None
            rows = (
                await connection.execute(
                    select(bulk_items).where(bulk_items.c.run_id == run_id).order_by(bulk_items.c.position)
                )
            ).all()
        items = tuple(BulkItem(r.connection_id, r.status, r.reason, r.updated_at) for r in rows)
        return BulkRun(
            run.id,
            run.user_id,
            run.channel_id,
            run.action,
            run.message_ts,
            run.status,
            run.created_at,
            run.updated_at,
            items,
            run.holder,
        )

    async def set_status(
        self,
        run_id: str,
        status: RunStatus,
        *,
        expected: Sequence[RunStatus] | None = None,
        holder: str | None = None,
    ) -> bool:
        """Moves the run to `status`, only from one of `expected` when given (so one confirm click wins)."""
        statement = update(bulk_runs).where(bulk_runs.c.id == run_id)
        if expected is not None:
            statement = statement.where(bulk_runs.c.status.in_(list(expected)))
        async with self._db.begin() as connection:
            applied = await connection.execute(
                statement.values(
                    status=status, updated_at=self._clock(), **({"holder": holder} if holder else {})
                ).returning(bulk_runs.c.id)
            )
            return applied.first() is not None

    async def set_message_ts(self, run_id: str, ts: str) -> None:
        async with self._db.begin() as connection:
            await connection.execute(
                update(bulk_runs)
                .where(bulk_runs.c.id == run_id)
                .values(message_ts=ts, updated_at=self._clock())
            )

    async def start_item(self, run_id: str, connection_id: str) -> bool:
        """Marks a pending item in progress, written before its Fivetran call; False if it is not pending
        (cancelled meanwhile)."""
        return await self._move_item(run_id, connection_id, ["pending"], status="in_progress")

    async def finish_item(
        self, run_id: str, connection_id: str, status: ItemStatus, reason: str | None = None
    ) -> bool:
        """Records an item's result; an item gets a result once and is never changed after."""
        return await self._move_item(
            run_id, connection_id, ["pending", "in_progress"], status=status, reason=reason
        )

    async def _move_item(
        self, run_id: str, connection_id: str, expected: list[ItemStatus], **values: str | None
    ) -> bool:
        async with self._db.begin() as connection:
            applied = await connection.execute(
                update(bulk_items)
                .where(
                    bulk_items.c.run_id == run_id,
                    bulk_items.c.connection_id == connection_id,
                    bulk_items.c.status.in_(expected),
                )
                .values(updated_at=self._clock(), **values)
                .returning(bulk_items.c.connection_id)
            )
            return applied.first() is not None

    async def cancel_pending(self, run_id: str, reason: str) -> int:
        """Marks every still-pending item cancelled (a stop button, or a run found interrupted)."""
        async with self._db.begin() as connection:
            cancelled = await connection.execute(
                update(bulk_items)
                .where(bulk_items.c.run_id == run_id, bulk_items.c.status == "pending")
                .values(status="cancelled", reason=reason, updated_at=self._clock())
                .returning(bulk_items.c.connection_id)
            )
            return len(cancelled.all())

    async def list_running(self) -> list[BulkRun]:
        """Runs marked running: at start-up these were cut short by a restart and can be reported."""
        async with self._db.begin() as connection:
            ids = (
                await connection.scalars(
                    select(bulk_runs.c.id)
                    .where(bulk_runs.c.status == "running")
                    .order_by(bulk_runs.c.created_at)
                )
            ).all()
        runs = [await self.get(run_id) for run_id in ids]
        return [run for run in runs if run is not None]
