"""The deliverer's two statements, built once: claiming channel heads and marking a pass delivered.

Their values are bound per call. Building them was most of a delivery pass's own CPU (~0.3 ms each, and as
much again for SQLAlchemy's cache key of a statement it has not seen; the compiled SQL was cached all
along): a statement built once keeps its cache key. What they do is told in `bot.storage.outbox`.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Integer, Text, Update, bindparam, case, cast, func, or_, select, update

from bot.storage.tables import outbox

# Claimed rows' columns, their blocks as the stored text (`OutboxRepo._blocks` decodes each distinct one once).
CLAIMED = [c for c in outbox.c if c.name != "blocks"] + [cast(outbox.c.blocks, Text).label("blocks_raw")]


def _claiming() -> Update:
    """claim_heads' UPDATE: binds now, skip (channels), limit, by (the holder), until."""
    now = bindparam("now", type_=outbox.c.not_before.type)
    heads = select(func.min(outbox.c.id)).where(outbox.c.done_at.is_(None)).group_by(outbox.c.channel_id)
    free = or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= now)
    chosen = (
        select(outbox.c.id)
        .where(
            outbox.c.id.in_(heads),
            outbox.c.not_before <= now,
            free,
            outbox.c.channel_id.not_in(bindparam("skip", expanding=True)),
        )
        .order_by(outbox.c.id)
        .limit(bindparam("limit", type_=Integer))
    )
    return (
        update(outbox)
        .where(outbox.c.id.in_(chosen.scalar_subquery()), outbox.c.done_at.is_(None), free)
        .values(holder=bindparam("by"), lease_until=bindparam("until"))
        .returning(*CLAIMED)
    )


CLAIM = _claiming()
MARKING_KEPT = 32  # rows a pass marks at once (the deliverer's passes are 8): one statement per count


@lru_cache(maxsize=MARKING_KEPT)
def marking(count: int) -> Update:
    """delivered_many's UPDATE of `count` rows with nothing to replace: binds id<i> and ts<i> of each,
    ids (all of them), by (the holder), now."""
    whens = [
        (bindparam(f"id{i}", type_=Integer), bindparam(f"ts{i}", type_=outbox.c.ts.type))
        for i in range(count)
    ]
    return (
        update(outbox)
        .where(
            outbox.c.id.in_(bindparam("ids", expanding=True)),
            outbox.c.holder == bindparam("by"),
            outbox.c.done_at.is_(None),
        )
        .values(
            ts=case(*whens, value=outbox.c.id),
            done_at=bindparam("now"),
            outcome="delivered",
            lease_until=None,
        )
        .returning(outbox.c.id)
    )
