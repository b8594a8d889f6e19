"""The outbox: every message the bot owes a channel, until Slack has taken it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 11:30:00

Alerts, recoveries, digests, bulk reports and a followed sync's last update are written here in the
transaction of the change that owes them, then sent by the deliverer, so a Slack outage delays them instead
of losing them (DESIGN section 9).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("after_id", sa.Integer(), nullable=True),
        sa.Column("target_ts", sa.String(32), nullable=True),
        sa.Column("broadcast", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("blocks", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.Column("holder", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ts", sa.String(32), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_open_channel", "outbox", ["done_at", "channel_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_open_channel", table_name="outbox")
    op.drop_table("outbox")
