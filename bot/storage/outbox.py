"""The outbox: messages owed to channels, claimed one channel head at a time under a lease.

A row is written by `enqueue` inside the transaction of the change that owes it (`Database.unit`). The
deliverer claims the *head* of a channel (its oldest undelivered row) with a conditional UPDATE only one
replica can win, as claims are taken over (`bot.storage.claims`): a channel's rows go out one after the
other, in order, and a head whose holder died is taken again once its lease ran out.

A message whose ts is not known yet (the alert a recovery threads under, still in the outbox) is named by
its placeholder `outbox:<id>`. When the row is delivered, the placeholder is replaced by Slack's ts in the
same transaction wherever the bot stored it (alert messages, followed syncs, bulk runs), so the rest of
the bot only ever sees real ts values once Slack has them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Now, utcnow
from bot.storage.db import Database
from bot.storage.outbox_statements import CLAIM, MARKING_KEPT, marking
from bot.storage.sql import encoded_json
from bot.storage.tables import alert_messages, bulk_runs, followed_syncs, outbox

PLACEHOLDER = "outbox:"


def placeholder(row_id: int) -> str:
    return f"{PLACEHOLDER}{row_id}"


def placeholder_id(ts: str | None) -> int | None:
    """The outbox row a placeholder names; None for a real ts (or none)."""
    if ts is None or not ts.startswith(PLACEHOLDER):
        return None
    return int(ts.removeprefix(PLACEHOLDER))


@dataclass(frozen=True)
class OutboxRow:
    id: int
    channel_id: str
    action: str  # post | reply | update
    origin: str
    after_id: int | None
    target_ts: str | None
    broadcast: bool
    text: str
    blocks: list[dict[str, Any]]
    created_at: datetime
    not_before: datetime
    attempts: int
    last_error: str | None
    ts: str | None
    done_at: datetime | None
    outcome: str | None


@dataclass(frozen=True)
class Delivery:
    """A row Slack took: `ts` of the message now showing it (None: nothing to record), `replaces` the ts
    of a deleted message it was posted anew for, `kept` whether its poster kept its placeholder."""

    row_id: int
    ts: str | None
    replaces: str | None = None
    kept: bool = True

    @property
    def replacing(self) -> bool:
        """Whether delivering it replaces a ts stored elsewhere (its placeholder, or a deleted message's)."""
        if self.ts is None:
            return False
        marks = (placeholder(self.row_id) if self.kept else None, self.replaces)
        return any(mark is not None and mark != self.ts for mark in marks)


@dataclass(frozen=True)
class OutboxStats:
    depth: int
    oldest: datetime | None  # created_at of the oldest undelivered row


def _row(row: Any, blocks: list[dict[str, Any]] | None = None) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        channel_id=row.channel_id,
        action=row.action,
        origin=row.origin,
        after_id=row.after_id,
        target_ts=row.target_ts,
        broadcast=bool(row.broadcast),
        text=row.text,
        blocks=list(row.blocks or []) if blocks is None else blocks,
        created_at=row.created_at,
        not_before=row.not_before,
        attempts=row.attempts,
        last_error=row.last_error,
        ts=row.ts,
        done_at=row.done_at,
        outcome=row.outcome,
    )


# Distinct blocks texts kept decoded: a fire's digests are a few messages over many rows and passes.
DECODED_KEPT = 16


class OutboxRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock
        self._decoded: dict[str, list[dict[str, Any]]] = {}

    def _blocks(self, raw: str) -> list[dict[str, Any]]:
        """The blocks a stored text holds, decoded once per distinct text (a 200-digest fire decoded the
        same few texts 200 times: most of a delivery pass's own CPU). Rows with the same text share the
        list: rows are read-only, and a delay note makes a new list."""
        found = self._decoded.get(raw)
        if found is None:
            if len(self._decoded) >= DECODED_KEPT:
                self._decoded.clear()
            found = self._decoded[raw] = list(json.loads(raw) or [])
        return found

    async def enqueue(
        self,
        *,
        channel: str,
        action: str,
        origin: str,
        text: str,
        blocks: list[dict[str, Any]],
        after_id: int | None = None,
        target_ts: str | None = None,
        broadcast: bool = False,
    ) -> int:
        now = self._clock()
        async with self._db.begin() as connection:
            result = await connection.execute(
                insert(outbox)
                .values(
                    channel_id=channel,
                    action=action,
                    origin=origin,
                    after_id=after_id,
                    target_ts=target_ts,
                    broadcast=broadcast,
                    text=text,
                    blocks=blocks,
                    created_at=now,
                    not_before=now,
                    attempts=0,
                )
                .returning(outbox.c.id)
            )
            return int(result.scalar_one())

    async def enqueue_posts(
        self, posts: Sequence[tuple[str, str, list[dict[str, Any]]]], *, origin: str
    ) -> None:
        """`enqueue` of many channel posts (channel, text, blocks), in one executemany, in their order
        (ids ascending: each channel's posts go out in this order). Posts of one message share its blocks
        list: each distinct list (by identity) is encoded once, not once a row (200 digests of one
        content in 50 channels were 200 encodings of the same blocks)."""
        if not posts:
            return
        now = self._clock()
        encoded: dict[int, tuple[list[dict[str, Any]], str]] = {}
        rows = []
        for channel, text, blocks in posts:
            found = encoded.get(id(blocks))
            if found is None:  # held beside its text, so that its id is not reused meanwhile
                found = encoded[id(blocks)] = (blocks, json.dumps(blocks))
            rows.append({"channel_id": channel, "text": text, "blocks_json": found[1]})
        async with self._db.begin() as connection:
            statement = insert(outbox).values(
                action="post",
                origin=origin,
                broadcast=False,
                blocks=encoded_json(connection, "blocks_json"),
                created_at=now,
                not_before=now,
                attempts=0,
            )
            await connection.execute(statement, rows)

    async def get(self, row_id: int) -> OutboxRow | None:
        async with self._db.begin() as connection:
            row = (await connection.execute(select(outbox).where(outbox.c.id == row_id))).one_or_none()
        return None if row is None else _row(row)

    async def claim_heads(
        self, holder: str, lease_s: float, *, limit: int, skip: frozenset[str] = frozenset()
    ) -> list[OutboxRow]:
        """Claims up to `limit` channel heads that are due and not held; one per channel (none of `skip`).

        One conditional UPDATE chooses and takes them: each is still won only if no other replica took
        it meanwhile (PostgreSQL re-checks the row's own conditions on the locked row; SQLite runs one
        writer at a time). A SELECT of the candidates and then the UPDATE were two statements a pass,
        each a round trip to SQLite's thread and back.
        """
        async with self._db.begin() as connection:
            return await self._claim(connection, holder, lease_s, limit, skip)

    async def delivered_and_claim(
        self,
        holder: str,
        deliveries: Sequence[Delivery],
        lease_s: float,
        *,
        limit: int,
        skip: frozenset[str] = frozenset(),
    ) -> tuple[set[int], list[OutboxRow]]:
        """`delivered_many`, then `claim_heads`, in one transaction: a full delivery pass records itself and
        takes the next (the heads are chosen after the record, as two calls would). The first: the rows
        still held, and so marked; the second: the rows claimed."""
        async with self._db.begin() as connection:
            done = await self._delivered_all(connection, holder, deliveries)
            return done, await self._claim(connection, holder, lease_s, limit, skip)

    async def _claim(
        self, connection: AsyncConnection, holder: str, lease_s: float, limit: int, skip: frozenset[str]
    ) -> list[OutboxRow]:
        now = self._clock()
        won = await connection.execute(
            CLAIM,
            {
                "now": now,
                "skip": sorted(skip),
                "limit": limit,
                "by": holder,
                "until": now + timedelta(seconds=lease_s),
            },
        )
        return sorted((_row(r, self._blocks(r.blocks_raw)) for r in won), key=lambda r: r.id)

    def _held(self, row_id: int, holder: str) -> Any:
        return and_(outbox.c.id == row_id, *self._held_by(holder))

    @staticmethod
    def _held_by(holder: str) -> tuple[Any, ...]:
        return (outbox.c.holder == holder, outbox.c.done_at.is_(None))

    async def delivered(
        self, row_id: int, holder: str, ts: str | None, *, replaces: str | None = None, kept: bool = True
    ) -> bool:
        """Done; `ts` (a post's) replaces the row's placeholder wherever it was stored (`kept=False`: its
        poster never kept the placeholder, so there is nothing to replace), and `replaces` too (an edit
        of a message deleted meanwhile, posted anew: the new one is edited and threaded under from now
        on, by the rows still owed as well). False when the lease was lost meanwhile (another replica
        holds the row now)."""
        return row_id in await self.delivered_many(holder, [Delivery(row_id, ts, replaces, kept)])

    async def delivered_many(self, holder: str, deliveries: Sequence[Delivery]) -> set[int]:
        """`delivered` of each, in one transaction: the ids of the rows `holder` still held. Rows with
        nothing stored to replace (a digest: posted and forgotten) are marked in one UPDATE, however
        many a delivery pass sent; the others one by one, as `delivered` always did."""
        if not deliveries:
            return set()
        async with self._db.begin() as connection:
            return await self._delivered_all(connection, holder, deliveries)

    async def _delivered_all(
        self, connection: AsyncConnection, holder: str, deliveries: Sequence[Delivery]
    ) -> set[int]:
        now = self._clock()
        done: set[int] = set()
        plain = [d for d in deliveries if not d.replacing]
        for start in range(0, len(plain), MARKING_KEPT):
            part = plain[start : start + MARKING_KEPT]
            values: dict[str, Any] = {"ids": [d.row_id for d in part], "by": holder, "now": now}
            for i, delivery in enumerate(part):
                values[f"id{i}"], values[f"ts{i}"] = delivery.row_id, delivery.ts
            marked = await connection.execute(marking(len(part)), values)
            done |= {int(r.id) for r in marked}
        for delivery in deliveries:
            if delivery.replacing and await self._delivered(connection, holder, delivery, now):
                done.add(delivery.row_id)
        return done

    async def _delivered(
        self, connection: AsyncConnection, holder: str, delivery: Delivery, now: datetime
    ) -> bool:
        row_id, ts, replaces = delivery.row_id, delivery.ts, delivery.replaces
        done = await connection.execute(
            update(outbox)
            .where(self._held(row_id, holder))
            .values(ts=ts, done_at=now, outcome="delivered", lease_until=None)
            .returning(outbox.c.id)
        )
        if done.first() is None:
            return False
        if ts is None:
            return True
        for mark in (placeholder(row_id) if delivery.kept else None, replaces):
            if mark is None or mark == ts:
                continue
            await connection.execute(update(alert_messages).where(alert_messages.c.ts == mark).values(ts=ts))
            await connection.execute(
                update(followed_syncs).where(followed_syncs.c.message_ts == mark).values(message_ts=ts)
            )
            await connection.execute(
                update(bulk_runs).where(bulk_runs.c.message_ts == mark).values(message_ts=ts)
            )
        if replaces is not None and replaces != ts:
            await connection.execute(
                update(outbox)
                .where(outbox.c.done_at.is_(None), outbox.c.target_ts == replaces)
                .values(target_ts=ts)
            )
        return True

    async def finish(self, row_id: int, holder: str, outcome: str) -> bool:
        """Done without a message (refused for good, given up, nothing left to edit)."""
        async with self._db.begin() as connection:
            done = await connection.execute(
                update(outbox)
                .where(self._held(row_id, holder))
                .values(done_at=self._clock(), outcome=outcome[:64], lease_until=None)
                .returning(outbox.c.id)
            )
            return done.first() is not None

    async def retry_later(self, row_id: int, holder: str, error: str, at: datetime) -> bool:
        async with self._db.begin() as connection:
            done = await connection.execute(
                update(outbox)
                .where(self._held(row_id, holder))
                .values(
                    attempts=outbox.c.attempts + 1,
                    last_error=error[:64],
                    not_before=at,
                    holder=None,
                    lease_until=None,
                )
                .returning(outbox.c.id)
            )
            return done.first() is not None

    async def stats(self) -> OutboxStats:
        async with self._db.read() as connection:  # a read: SQLite's write lock is not taken for it
            row = (
                await connection.execute(
                    select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.done_at.is_(None))
                )
            ).one()
        return OutboxStats(int(row[0]), row[1])

    async def pending(self, channel: str | None = None) -> list[OutboxRow]:
        query = select(outbox).where(outbox.c.done_at.is_(None)).order_by(outbox.c.id)
        if channel is not None:
            query = query.where(outbox.c.channel_id == channel)
        async with self._db.begin() as connection:
            return [_row(r) for r in await connection.execute(query)]

    async def purge_done_before(self, cutoff: datetime) -> int:
        async with self._db.begin() as connection:
            purged = await connection.execute(
                delete(outbox)
                .where(outbox.c.done_at.is_not(None), outbox.c.done_at < cutoff)
                .returning(outbox.c.id)
            )
            return len(purged.all())
