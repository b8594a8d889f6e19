"""Syncs being followed to their end, held under a lease.

The process following a sync renews its lease at every poll; when it dies, the lease runs out and the
next process to look (a restart, or another replica) takes the follow over, exactly one of them, decided
by a conditional UPDATE.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Row, insert, or_, select, update

from bot.clock import Now, utcnow
from bot.keys import source_of
from bot.storage.db import Database
from bot.storage.rows import record
from bot.storage.tables import followed_syncs


@dataclass(frozen=True)
class FollowedSync:
    id: int
    connection_id: str  # the pipeline's key (`bot.keys`)
    connection_name: str
    channel_id: str
    message_ts: str | None
    user_id: str
    force: bool
    baseline: datetime | None
    started_at: datetime
    holder: str
    lease_until: datetime
    finished_at: datetime | None
    outcome: str | None
    resume_at: datetime | None = None  # a rescheduled manual sync: when the bot said it starts it again
    restarted_for: datetime | None = None  # the `resume_at` it last started it again for
    restarts: int = 0
    kind: str = "sync"  # FollowKind's value
    event_id: str | None = None  # a hub's refresh or compare: its event, once the hub gave its id
    tables: list[str] | None = None  # the tables it names; None: all


class FollowKind(StrEnum):
    """What a follow watches: a Fivetran sync by its connection's fields; of a hub, the channel's jobs
    after a start, or a refresh's or compare's event by its id."""

    SYNC = "sync"
    JOBS = "jobs"
    REFRESH = "refresh"
    COMPARE = "compare"


def _row(row: Row[object]) -> FollowedSync:
    return record(FollowedSync, row)


class FollowRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def add(
        self,
        *,
        connection_id: str,
        connection_name: str,
        channel_id: str,
        message_ts: str | None,
        user_id: str,
        force: bool,
        baseline: datetime | None,
        started_at: datetime,
        holder: str,
        lease: timedelta,
        kind: FollowKind = FollowKind.SYNC,
        tables: Sequence[str] | None = None,
    ) -> int:
        async with self._db.begin() as connection:
            new_id = await connection.scalar(
                insert(followed_syncs)
                .values(
                    connection_id=connection_id,
                    source=source_of(connection_id),
                    connection_name=connection_name[:255],
                    channel_id=channel_id,
                    message_ts=message_ts,
                    user_id=user_id,
                    force=force,
                    baseline=baseline,
                    started_at=started_at,
                    holder=holder,
                    lease_until=self._clock() + lease,
                    kind=kind.value,
                    tables=None if tables is None else list(tables),
                )
                .returning(followed_syncs.c.id)
            )
        assert new_id is not None
        return int(new_id)

    async def renew(self, follow_id: int, holder: str, lease: timedelta) -> bool:
        """Extend the lease; False when another holder took the follow over meanwhile."""
        async with self._db.begin() as connection:
            applied = await connection.execute(
                update(followed_syncs)
                .where(
                    followed_syncs.c.id == follow_id,
                    followed_syncs.c.holder == holder,
                    followed_syncs.c.finished_at.is_(None),
                )
                .values(lease_until=self._clock() + lease)
                .returning(followed_syncs.c.id)
            )
            return applied.first() is not None

    async def unfinished_holders(self) -> set[str]:
        async with self._db.begin() as connection:
            rows = await connection.execute(
                select(followed_syncs.c.holder).where(followed_syncs.c.finished_at.is_(None)).distinct()
            )
            return {row[0] for row in rows}

    async def take_over_lapsed(
        self, holder: str, lease: timedelta, *, dead: Collection[str] = ()
    ) -> list[FollowedSync]:
        """Every unfinished follow whose lease ran out, or whose holder is known `dead`, now held by
        `holder` (one winner per follow)."""
        now = self._clock()
        lapsed = followed_syncs.c.lease_until < now
        if dead:
            lapsed = or_(lapsed, followed_syncs.c.holder.in_(list(dead)))
        async with self._db.begin() as connection:
            candidates = (
                await connection.execute(
                    select(followed_syncs.c.id, followed_syncs.c.holder).where(
                        followed_syncs.c.finished_at.is_(None), lapsed
                    )
                )
            ).all()
        taken: list[FollowedSync] = []
        for follow_id, previous in candidates:
            async with self._db.begin() as connection:
                row = (
                    await connection.execute(
                        update(followed_syncs)
                        .where(
                            followed_syncs.c.id == follow_id,
                            followed_syncs.c.finished_at.is_(None),
                            # still held by the one we judged lapsed or dead: a racing successor loses
                            followed_syncs.c.holder == previous,
                        )
                        .values(holder=holder, lease_until=now + lease)
                        .returning(*followed_syncs.c)
                    )
                ).first()
            if row is not None:
                taken.append(_row(row))
        return taken

    async def set_message_ts(self, follow_id: int, ts: str) -> None:
        async with self._db.begin() as connection:
            await connection.execute(
                update(followed_syncs).where(followed_syncs.c.id == follow_id).values(message_ts=ts)
            )

    async def set_event(self, follow_id: int, event_id: str) -> None:
        """The hub posted the followed event: from now on it is read by this id."""
        async with self._db.begin() as connection:
            await connection.execute(
                update(followed_syncs).where(followed_syncs.c.id == follow_id).values(event_id=event_id[:64])
            )

    async def waiting(self, follow_id: int, resume_at: datetime) -> None:
        """The person was told the bot starts the sync again at `resume_at`."""
        async with self._db.begin() as connection:
            await connection.execute(
                update(followed_syncs).where(followed_syncs.c.id == follow_id).values(resume_at=resume_at)
            )

    async def restarted(self, follow_id: int, resume_at: datetime) -> None:
        """The bot started the sync again, the one postponed until `resume_at`."""
        async with self._db.begin() as connection:
            await connection.execute(
                update(followed_syncs)
                .where(followed_syncs.c.id == follow_id)
                .values(restarted_for=resume_at, restarts=followed_syncs.c.restarts + 1)
            )

    async def finish(self, follow_id: int, outcome: str) -> bool:
        async with self._db.begin() as connection:
            applied = await connection.execute(
                update(followed_syncs)
                .where(followed_syncs.c.id == follow_id, followed_syncs.c.finished_at.is_(None))
                .values(finished_at=self._clock(), outcome=outcome[:32])
                .returning(followed_syncs.c.id)
            )
            return applied.first() is not None

    async def release(self, holder: str) -> int:
        """On a graceful shutdown: let the next process take our follows over at once."""
        async with self._db.begin() as connection:
            result = await connection.execute(
                update(followed_syncs)
                .where(followed_syncs.c.holder == holder, followed_syncs.c.finished_at.is_(None))
                .values(lease_until=self._clock() - timedelta(seconds=1))
                .returning(followed_syncs.c.id)
            )
            return len(result.all())

    async def get(self, follow_id: int) -> FollowedSync | None:
        async with self._db.begin() as connection:
            row = (
                await connection.execute(select(followed_syncs).where(followed_syncs.c.id == follow_id))
            ).first()
        return None if row is None else _row(row)
