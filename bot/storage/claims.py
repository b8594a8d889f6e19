"""Claim-once across replicas: whoever claims a fire (or an event) in the database does it; nobody else.

A claim is a row with a lease. The first holder inserts it (`INSERT … ON CONFLICT DO NOTHING`, decided by
the unique key). If that holder dies before marking the claim done, its lease runs out and one other
holder takes the claim over with a conditional UPDATE that only one concurrent caller can win: PostgreSQL
re-checks the WHERE clause on the locked row, and SQLite runs one writer at a time. A claim marked done
is never taken over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Now, utcnow
from bot.storage.db import Database
from bot.storage.sql import insert_many_ignoring_conflicts
from bot.storage.tables import event_claims, fire_claims

# Keys to a statement: far below SQLite's and PostgreSQL's limits on bound values (5 a row inserted).
BATCH = 500


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
        """`try_claim` of each key, in one transaction of two statements whatever their number: one
        multi-row `INSERT … ON CONFLICT DO NOTHING` for the first claims, one conditional UPDATE taking
        over the keys whose rows exist (the rule per key is the same, so each is still won by exactly one
        caller). 200 digests due together were 200 INSERTs, each compiled and sent on its own: most of
        the wait before a fire's snapshot."""
        if not keys:
            return []
        names = list(keys[0])
        now = self._clock()
        lease = {"holder": holder, "claimed_at": now, "lease_until": now + timedelta(seconds=lease_s)}
        # In key order: two replicas inserting the same keys then wait on each other in the same order
        # (PostgreSQL), never each on a row the other inserted first (a deadlock: one lost its turn).
        wanted = sorted({self._identity(key, names) for key in keys})
        won: set[tuple[Any, ...]] = set()
        async with self._db.begin() as connection:
            for start in range(0, len(wanted), BATCH):
                part = wanted[start : start + BATCH]
                rows = [{**dict(zip(names, k, strict=True)), **lease} for k in part]
                first = insert_many_ignoring_conflicts(connection, self._table).returning(
                    *self._columns(names)
                )
                inserted = {tuple(r) for r in await connection.execute(first, rows)}
                won |= inserted
                taken = [k for k in part if k not in inserted]
                if taken:
                    won |= await self._take_over(connection, names, taken, now, lease)
        # A key asked twice is won once, as when each was claimed in turn.
        answers = []
        for key in keys:
            identity = self._identity(key, names)
            answers.append(identity in won)
            won.discard(identity)
        return answers

    def _columns(self, names: list[str]) -> list[ColumnElement[Any]]:
        return [self._table.c[name] for name in names]

    @staticmethod
    def _identity(key: dict[str, Any], names: list[str]) -> tuple[Any, ...]:
        return tuple(key[name] for name in names)

    def _among(self, names: list[str], keys: Sequence[tuple[Any, ...]]) -> ColumnElement[bool]:
        return tuple_(*self._columns(names)).in_(keys)

    async def _take_over(
        self,
        connection: AsyncConnection,
        names: list[str],
        keys: list[tuple[Any, ...]],
        now: datetime,
        lease: dict[str, Any],
    ) -> set[tuple[Any, ...]]:
        """The claims among `keys` whose holder's lease ran out before they were done, now `lease`'s."""
        table = self._table
        takeover = (
            update(table)
            .where(self._among(names, keys), table.c.done_at.is_(None), table.c.lease_until <= now)
            .values(**lease)
            .returning(*self._columns(names))
        )
        return {tuple(r) for r in await connection.execute(takeover)}

    async def complete_many(
        self, keys: list[tuple[dict[str, Any], str]], holder: str
    ) -> set[tuple[Any, ...]]:
        """`complete` of each (key, outcome), in one transaction of one UPDATE per distinct outcome (one,
        mostly): the identities (the key's values, in its order) of the claims `holder` still held, and
        so completed."""
        if not keys:
            return set()
        names = list(keys[0][0])
        by_outcome: dict[str, list[tuple[Any, ...]]] = {}
        for key, outcome in keys:
            by_outcome.setdefault(outcome, []).append(self._identity(key, names))
        table = self._table
        done: set[tuple[Any, ...]] = set()
        async with self._db.begin() as connection:
            for outcome, identities in by_outcome.items():
                for start in range(0, len(identities), BATCH):
                    completed = await connection.execute(
                        update(table)
                        .where(
                            self._among(names, identities[start : start + BATCH]),
                            table.c.holder == holder,
                            table.c.done_at.is_(None),
                        )
                        .values(done_at=self._clock(), outcome=outcome)
                        .returning(*self._columns(names))
                    )
                    done |= {tuple(r) for r in completed}
        return done

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

    async def complete_many(
        self, fires: list[tuple[str, datetime, str]], holder: str
    ) -> set[tuple[str, datetime]]:
        """`complete` of each (subscription, fire time, outcome), in one transaction: the (subscription,
        fire time) of those `holder` still held, and so completed."""
        keys = [(self._key(s, at), outcome) for s, at, outcome in fires]
        return {(s, at) for s, at in await self._leases.complete_many(keys, holder)}

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
