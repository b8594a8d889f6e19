"""Initial schema: subscriptions, claims, audit, access, watch and alert state, bulk runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 01:14:14.392815
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Plain types here, not the application's: a migration must not change when bot.storage.types does.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_grants",
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("granted_by", sa.String(length=32), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_access_grants")),
    )
    op.create_table(
        "action_dedupe",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_action_dedupe")),
    )
    op.create_index("ix_action_dedupe_created_at", "action_dedupe", ["created_at"], unique=False)

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("connectors", JSON_TYPE, nullable=False),
        sa.Column("parameters", JSON_TYPE, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fivetran_code", sa.String(length=128), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"], unique=False)
    op.create_index("ix_audit_entries_request_id", "audit_entries", ["request_id"], unique=False)
    op.create_index("ix_audit_entries_user_id", "audit_entries", ["user_id", "id"], unique=False)

    op.create_table(
        "bulk_runs",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_runs")),
    )
    op.create_index("ix_bulk_runs_status", "bulk_runs", ["status"], unique=False)

    op.create_table(
        "change_counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counters")),
    )
    # Seeded so that bumping a counter is a plain UPDATE, never a racy first INSERT.
    counters = sa.table("change_counters", sa.column("name", sa.String), sa.column("value", sa.Integer))
    op.bulk_insert(counters, [{"name": "subscriptions", "value": 0}])
    op.create_table(
        "event_claims",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_event_claims")),
    )
    op.create_index("ix_event_claims_claimed_at", "event_claims", ["claimed_at"], unique=False)
    op.create_index("ix_event_claims_holder_open", "event_claims", ["holder", "done_at"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("schedule", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("selector", sa.Text(), server_default="", nullable=False),
        sa.Column("options", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index("ix_subscriptions_active_kind", "subscriptions", ["active", "kind"], unique=False)
    op.create_index("ix_subscriptions_channel_kind", "subscriptions", ["channel_id", "kind"], unique=False)

    op.create_table(
        "watch_state",
        sa.Column("connection_id", sa.String(length=128), nullable=False),
        sa.Column("state", JSON_TYPE, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_watch_state")),
    )
    op.create_table(
        "alert_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("subscription_id", sa.String(length=16), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_alert_messages_subscription_id_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_messages")),
    )
    op.create_index(
        "uq_alert_messages_open",
        "alert_messages",
        ["connection_id", "channel_id"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )

    op.create_table(
        "bulk_items",
        sa.Column("run_id", sa.String(length=16), nullable=False),
        sa.Column("connection_id", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["bulk_runs.id"], name=op.f("fk_bulk_items_run_id_bulk_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "connection_id", name=op.f("pk_bulk_items")),
    )
    op.create_table(
        "digest_state",
        sa.Column("subscription_id", sa.String(length=16), nullable=False),
        sa.Column("last_fire_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_problems", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_digest_state_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", name=op.f("pk_digest_state")),
    )
    op.create_table(
        "fire_claims",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.String(length=16), nullable=False),
        sa.Column("fire_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_fire_claims_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fire_claims")),
        sa.UniqueConstraint("subscription_id", "fire_time", name="uq_fire_claims_subscription_fire_time"),
    )
    op.create_index("ix_fire_claims_holder_open", "fire_claims", ["holder", "done_at"], unique=False)


def downgrade() -> None:
    op.drop_table("fire_claims")
    op.drop_table("digest_state")
    op.drop_table("bulk_items")
    op.drop_table("alert_messages")
    op.drop_table("watch_state")
    op.drop_table("subscriptions")
    op.drop_table("event_claims")
    op.drop_table("change_counters")
    op.drop_table("bulk_runs")
    op.drop_table("audit_entries")
    op.drop_table("action_dedupe")
    op.drop_table("access_grants")
