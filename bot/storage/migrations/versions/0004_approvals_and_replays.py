"""Pending re-sync approvals, consumed once; Slack signatures seen, so a replay is refused on any replica.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resync_approvals",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("connection_id", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resync_approvals")),
    )
    op.create_table(
        "seen_signatures",
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature", name=op.f("pk_seen_signatures")),
    )
    op.create_index("ix_seen_signatures_seen_at", "seen_signatures", ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_seen_signatures_seen_at", table_name="seen_signatures")
    op.drop_table("seen_signatures")
    op.drop_table("resync_approvals")
