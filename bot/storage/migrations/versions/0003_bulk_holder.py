"""Who is running a bulk run, so a restart can tell its predecessor's runs were interrupted.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bulk_runs", sa.Column("holder", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bulk_runs") as batch:
        batch.drop_column("holder")
