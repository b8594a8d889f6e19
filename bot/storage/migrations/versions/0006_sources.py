"""Sources: every row about one pipeline records the source of its key (DESIGN section 8, `bot.keys`).

Revision ID: 0006
Revises: 0004 (0005 once merged)
Create Date: 2026-11-26 10:00:00

The rows a single-account bot stored name its pipelines by bare Fivetran ids, and a bare key is the
`fivetran` source's: the ids stay as they are, so every follow, watch state, open alert thread, bulk item,
pending approval and audit entry keeps working, and each gets `source = 'fivetran'`.

- `watch_state`, `alert_messages`, `bulk_items`, `followed_syncs`, `resync_approvals` get `source`: each
  row is about the one pipeline in its `connection_id`. The server default stays after the upgrade: it
  is the rule for bare keys (so it is right for any writer that stores one), and SQLite cannot drop a
  default without rebuilding the table. The repositories write the source of every key they are given.
  Keys are unique across sources, so no primary key or unique index changes.
- `audit_entries` gets `pipeline_sources`, the sorted distinct sources of its `connectors`: an entry may
  name no pipeline (a grant: `[]`, not NULL, so "entries of source X" needs no NULL case) or pipelines of
  several sources (a bulk run across sources), so one string could not say it. It is not called `source`
  because that column already says where the request came from (command, button, webhook…).
- `subscriptions` (digests and watches) get nothing: a subscription covers a selector, not a pipeline,
  and the selector says which sources it covers (`source:staging`, or every source when it names none),
  so a column would either repeat the selector or contradict it for a digest across sources. A digest
  of a single-account bot keeps meaning "every pipeline", which was that one account's.
- `fire_claims` and `digest_state` are per subscription; `digest_state.last_problems` is a JSON map whose
  keys are pipeline keys already. `event_claims` and `action_dedupe` are keyed per event or click by an
  opaque string, which names the pipeline by its key where it names one (`transition:<key>:…`); their
  rows live minutes to days.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written here, not imported from bot: a migration must not change when the application does.
DEFAULT_SOURCE = "fivetran"
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PIPELINE_TABLES = ("watch_state", "alert_messages", "bulk_items", "followed_syncs", "resync_approvals")


def upgrade() -> None:
    for table in PIPELINE_TABLES:
        op.add_column(
            table,
            sa.Column("source", sa.String(length=64), server_default=DEFAULT_SOURCE, nullable=False),
        )
    op.add_column(
        "audit_entries",
        sa.Column("pipeline_sources", JSON_TYPE, server_default="[]", nullable=False),
    )
    # Every id stored so far is bare (the only account's), so an entry naming any pipeline names the
    # default source's.
    postgres = op.get_context().dialect.name == "postgresql"
    length = "jsonb_array_length" if postgres else "json_array_length"
    only_default = f'["{DEFAULT_SOURCE}"]'
    op.execute(f"UPDATE audit_entries SET pipeline_sources = '{only_default}' WHERE {length}(connectors) > 0")


def downgrade() -> None:
    # On SQLite a batch rebuilds each table, and makes its indexes again as they were (partial included).
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("pipeline_sources")
    for table in PIPELINE_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("source")
