"""Claim-once across replicas: whoever claims a fire (or an event) in the database does it; nobody else.

A claim is a row with a lease. The first holder inserts it (`INSERT … ON CONFLICT DO NOTHING`, decided by
the unique key). If that holder dies before marking the claim done, its lease runs out and one other
holder takes the claim over with a conditional UPDATE that only one concurrent caller can win: PostgreSQL
re-checks the WHERE clause on the locked row, and SQLite runs one writer at a time. A claim marked done
is never taken over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Now, utcnow
from bot.storage.db import Database
from bot.storage.sql import insert_ignoring_conflicts
from bot.storage.tables import event_claims, fire_claims


@dataclass(frozen=True)
class Claim:
    holder: str
    claimed_at: datetime
    lease_until: datetime
    done_at: datetime | None
    outcome: str | None


class _Leases:
    """The claim rules over one table whose identity is `key` (a dict of column values)."""

    def __init__(self, database: Database, table: Table, clock: Now) -> None:
        self._db = database
        self._table = table
        self._clock = clock

    def _match(self, key: dict[str, Any]) -> ColumnElement[bool]:
        return and_(*(self._table.c[name] == value for name, value in key.items()))

    async def try_claim(self, key: dict[str, Any], holder: str, lease_s: float) -> bool:
        return (await self.try_claim_many([key], holder, lease_s))[0]

    async def try_claim_many(self, keys: list[dict[str, Any]], holder: str, lease_s: float) -> list[bool]:
        """`try_claim` of each key, in one transaction: 200 digests due together are one commit, not 200
        (the rule per key is the same, so each is still won by exactly one caller)."""
        if not keys:
            return []
        async with self._db.begin() as connection:
            return [await self._claim(connection, key, holder, lease_s) for key in keys]

    async def _claim(
        self, connection: AsyncConnection, key: dict[str, Any], holder: str, lease_s: float
    ) -> bool:
        now = self._clock()
        lease_until = now + timedelta(seconds=lease_s)
        table = self._table
        first = insert_ignoring_conflicts(
            connection,
            table,
            {**key, "holder": holder, "claimed_at": now, "lease_until": lease_until},
        ).returning(table.c.holder)
        if (await connection.execute(first)).first() is not None:
            return True
        takeover = (
            update(table)
            .where(self._match(key), table.c.done_at.is_(None), table.c.lease_until <= now)
            .values(holder=holder, claimed_at=now, lease_until=lease_until)
            .returning(table.c.holder)
        )
        return (await connection.execute(takeover)).first() is not None

    async def complete(self, key: dict[str, Any], holder: str, outcome: str) -> bool:
        """Marks the claim done; False if `holder` no longer holds it (it was taken over) or it is done."""
        table = self._table
        async with self._db.begin() as connection:
            done = await connection.execute(
                update(table)
                .where(self._match(key), table.c.holder == holder, table.c.done_at.is_(None))
                .values(done_at=self._clock(), outcome=outcome)
                .returning(table.c.holder)
            )
            return done.first() is not None

    async def amend(self, key: dict[str, Any], holder: str, outcome: str) -> bool:
        """Changes the outcome of a claim `holder` completed (in the same transaction, before it commits:
        the post that followed the completion was refused)."""
        table = self._table
        async with self._db.begin() as connection:
            done = await connection.execute(
                update(table)
                .where(self._match(key), table.c.holder == holder, table.c.done_at.is_not(None))
                .values(outcome=outcome)
                .returning(table.c.holder)
            )
            return done.first() is not None

    async def release(self, key: dict[str, Any], holder: str) -> bool:
        """Gives up one unfinished claim of `holder`, so the next try (a redelivery) claims it at once."""
        table = self._table
        async with self._db.begin() as connection:
            released = await connection.execute(
                delete(table)
                .where(self._match(key), table.c.holder == holder, table.c.done_at.is_(None))
                .returning(table.c.holder)
            )
            return released.first() is not None

    async def release_held_by(self, holder: str) -> int:
        """Gives up every unfinished claim of `holder` so another replica can take it at once."""
        table = self._table
        async with self._db.begin() as connection:
            released = await connection.execute(
                delete(table)
                .where(table.c.holder == holder, table.c.done_at.is_(None))
                .returning(table.c.holder)
            )
            return len(released.all())

    async def get(self, key: dict[str, Any]) -> Claim | None:
        table = self._table
        async with self._db.begin() as connection:
            row = (await connection.execute(select(table).where(self._match(key)))).one_or_none()
        if row is None:
            return None
        return Claim(row.holder, row.claimed_at, row.lease_until, row.done_at, row.outcome)

    async def purge_done_before(self, cutoff: datetime) -> int:
        """Deletes finished claims older than `cutoff`; unfinished ones stay until done or taken over."""
        table = self._table
        async with self._db.begin() as connection:
            purged = await connection.execute(
                delete(table)
                .where(table.c.done_at.is_not(None), table.c.done_at < cutoff)
                .returning(table.c.holder)
            )
            return len(purged.all())


class ClaimRepo:
    """Claims of scheduled fires: one post per (subscription, fire time), whatever the number of replicas."""

    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._leases = _Leases(database, fire_claims, clock)

    @staticmethod
    def _key(subscription_id: str, fire_time: datetime) -> dict[str, Any]:
        return {"subscription_id": subscription_id, "fire_time": fire_time}

    async def try_claim(self, subscription_id: str, fire_time: datetime, holder: str, lease_s: float) -> bool:
        """True for exactly one caller per fire, and again only for a taker-over after the lease ran out."""
        return await self._leases.try_claim(self._key(subscription_id, fire_time), holder, lease_s)

    async def try_claim_many(
        self, fires: list[tuple[str, datetime]], holder: str, lease_s: float
    ) -> list[bool]:
        """`try_claim` of each (subscription, fire time), in one transaction."""
        return await self._leases.try_claim_many([self._key(s, at) for s, at in fires], holder, lease_s)

    async def complete(self, subscription_id: str, fire_time: datetime, holder: str, outcome: str) -> bool:
        return await self._leases.complete(self._key(subscription_id, fire_time), holder, outcome)

    async def amend(self, subscription_id: str, fire_time: datetime, holder: str, outcome: str) -> bool:
        return await self._leases.amend(self._key(subscription_id, fire_time), holder, outcome)

    async def release_held_by(self, holder: str) -> int:
        return await self._leases.release_held_by(holder)

    async def get(self, subscription_id: str, fire_time: datetime) -> Claim | None:
        return await self._leases.get(self._key(subscription_id, fire_time))

    async def purge_done_before(self, cutoff: datetime) -> int:
        return await self._leases.purge_done_before(cutoff)


class EventClaimRepo:
    """Claims of one-off events by string key: `webhook:<sync_id>:<event>`, `transition:<conn>:…`."""

    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._leases = _Leases(database, event_claims, clock)

    async def try_claim(self, key: str, holder: str, lease_s: float) -> bool:
        return await self._leases.try_claim({"key": key}, holder, lease_s)

    async def complete(self, key: str, holder: str, outcome: str = "done") -> bool:
        return await self._leases.complete({"key": key}, holder, outcome)

    async def release(self, key: str, holder: str) -> bool:
        return await self._leases.release({"key": key}, holder)

    async def release_held_by(self, holder: str) -> int:
        return await self._leases.release_held_by(holder)

    async def get(self, key: str) -> Claim | None:
        return await self._leases.get({"key": key})

    async def purge_done_before(self, cutoff: datetime) -> int:
        return await self._leases.purge_done_before(cutoff)
