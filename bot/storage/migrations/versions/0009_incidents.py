"""Alerts as incidents (DESIGN section 9): who acknowledged an alert, its reminders, and snoozes.

Revision ID: 0009
Revises: 0007 (the lead fixes the chain at merge)
Create Date: 2026-12-02 11:00:00

- `alert_messages` gets `acked_by`/`acked_at` (reminders stop, the Home tab lists them), `reminders` (how
  many reminder periods were told: the n-th is claimed once across replicas under that number),
  `reminded_at`, and `view`: what the alert was made from (the event, and the flapping summary's counts),
  so that an acknowledge or a snooze can draw the alert again without the event at hand. Alerts opened
  before: NULL, NULL, 0, NULL, NULL (an edit then draws them from the row alone).
- `alert_snoozes`: one row per snooze of a pipeline in a channel; `until` NULL means "until it recovers".
  At most one in force (`ended_at IS NULL`) per pipeline and channel. `held` counts the failure alerts
  kept out of the channel meanwhile; `thread_ts` is the alert whose thread hears the summary.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("alert_messages", sa.Column("acked_by", sa.String(length=32), nullable=True))
    op.add_column("alert_messages", sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("alert_messages", sa.Column("reminders", sa.Integer(), server_default="0", nullable=False))
    op.add_column("alert_messages", sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("alert_messages", sa.Column("view", JSON_TYPE, nullable=True))
    op.create_table(
        "alert_snoozes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=64), server_default="fivetran", nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("snoozed_by", sa.String(length=32), nullable=False),
        sa.Column("snoozed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alert_snoozes"),
    )
    op.create_index(
        "uq_alert_snoozes_in_force",
        "alert_snoozes",
        ["connection_id", "channel_id"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_index("ix_alert_snoozes_until", "alert_snoozes", ["ended_at", "until"])


def downgrade() -> None:
    op.drop_index("ix_alert_snoozes_until", table_name="alert_snoozes")
    op.drop_index("uq_alert_snoozes_in_force", table_name="alert_snoozes")
    op.drop_table("alert_snoozes")
    with op.batch_alter_table("alert_messages") as batch:
        batch.drop_column("view")
        batch.drop_column("reminded_at")
        batch.drop_column("reminders")
        batch.drop_column("acked_at")
        batch.drop_column("acked_by")
