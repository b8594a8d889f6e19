"""The watcher's stored states carry the change that wrote them, so a quiet poll reads none of them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:30:00

Every write of `watch_state` bumps the `watch_state` row of `change_counters` in its own transaction and
stamps the rows it writes with the new value (`seq`). A replica that remembers the counter it last read
then reads one integer per poll, and only the rows stamped after it when another writer moved it
(bot/storage/watch_state.py). Existing rows get 0: the first read after the upgrade is a full one anyway.
The counter row is created by the first write (an upsert), so none is seeded here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("watch_state", sa.Column("seq", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_watch_state_seq", "watch_state", ["seq"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_watch_state_seq", table_name="watch_state")
    with op.batch_alter_table("watch_state") as batch:
        batch.drop_column("seq")
    op.execute("DELETE FROM change_counters WHERE name = 'watch_state'")
