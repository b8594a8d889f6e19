"""Followed syncs remember what the bot did about a manual-schedule connector's rescheduled sync.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 10:00:00

With `schedule_type: manual`, a sync Fivetran reschedules (the source's quota) is started again only by
a request (DESIGN section 10), so the bot that follows it starts it again at `rescheduled_for`. A follow
taken over by another process must keep that promise and must not start the same sync twice: the record
keeps the time the bot said it would (`resume_at`), the time it last started it for (`restarted_for`) and
how often it did (`restarts`). Existing follows did none of it: NULL, NULL, 0.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("followed_syncs", sa.Column("resume_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("followed_syncs", sa.Column("restarted_for", sa.DateTime(timezone=True), nullable=True))
    op.add_column("followed_syncs", sa.Column("restarts", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    # On SQLite a batch rebuilds the table, and makes its index again as it was.
    with op.batch_alter_table("followed_syncs") as batch:
        batch.drop_column("restarts")
        batch.drop_column("restarted_for")
        batch.drop_column("resume_at")
