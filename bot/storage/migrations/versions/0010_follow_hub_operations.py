"""Followed operations of HVR hubs: a refresh or compare by its event, a sync by the channel's jobs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:00:00

A hub moves none of the fields a Fivetran sync is followed by (`succeeded_at`, `failed_at`): a refresh
or a compare posts an event whose state is read by its `ev_id`, and a sync starts the channel's jobs,
followed until they run. The record says which (`kind`: sync, jobs, refresh, compare), the event's id
once the hub gave it (`event_id`), and the tables named (`tables`, a JSON list; NULL for all), so that a
process taking the follow over reads the same event and says the same thing. Existing follows are
Fivetran syncs: `sync`, NULL, NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column(
        "followed_syncs", sa.Column("kind", sa.String(length=16), server_default="sync", nullable=False)
    )
    op.add_column("followed_syncs", sa.Column("event_id", sa.String(length=64), nullable=True))
    op.add_column("followed_syncs", sa.Column("tables", JSON_TYPE, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followed_syncs") as batch:
        batch.drop_column("tables")
        batch.drop_column("event_id")
        batch.drop_column("kind")
