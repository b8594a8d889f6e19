"""One selector encoding: a digest's selector lives in the `selector` column as text, like a watch's.

Digests kept their selector as JSON in `options.selector` (groups, statuses, services) and a copy as text
in `selector` that nothing read back; watches kept only the text. Upgrading rebuilds every digest's text
from its JSON (the JSON was what fired; the text of older rows left names with spaces unquoted) and drops
the JSON. Watches are already in the encoding and are left alone.

The encoding is frozen here rather than imported: the bot's selector code may change, and this migration
must turn the same rows into the same text whenever it runs. It is what `Selector.as_text()` prints for
these terms: `group:<g>` for each group, `status:<s>` for each status, `service:<s>` for each service, in
that order, joined by `shlex.join` (quoted where a term has spaces).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00
"""

import shlex
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The healths as of this revision: the old reader dropped a status it did not know, so the text does too.
_HEALTHS = ("broken", "incomplete", "failing", "paused", "rescheduled", "delayed", "syncing", "healthy")

_subscriptions = sa.table(
    "subscriptions",
    sa.column("id", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("selector", sa.Text()),
    sa.column("options", sa.JSON().with_variant(JSONB(), "postgresql")),
)


def selector_text(stored: object) -> str:
    """The text of a digest's `options.selector`, read the way the bot read it up to this revision."""
    if not isinstance(stored, dict):
        return ""  # no selector: every connector
    statuses = [str(s).strip().lower() for s in stored.get("statuses") or ()]
    parts = [f"group:{g}" for g in stored.get("groups") or ()]
    parts += [f"status:{s}" for s in statuses if s in _HEALTHS]
    parts += [f"service:{s}" for s in stored.get("services") or ()]
    return shlex.join(parts)


def selector_json(text: str) -> dict[str, list[str]]:
    """`options.selector` as the previous revision wrote it, from a digest's text (its only terms)."""
    try:
        tokens = shlex.split(text)
    except ValueError:
        tokens = text.split()
    found: dict[str, list[str]] = {"groups": [], "statuses": [], "services": []}
    for token in tokens:
        key, sep, value = token.partition(":")
        key = key.lower()
        if not sep or not value:
            continue
        if key == "group":
            found["groups"].append(value)
        elif key == "status":
            found["statuses"].append(value.lower())
        elif key == "service":
            found["services"].append(value.lower())
    return found


def _digests() -> list[Any]:
    query = sa.select(_subscriptions.c.id, _subscriptions.c.selector, _subscriptions.c.options).where(
        _subscriptions.c.kind == "digest"
    )
    return list(op.get_bind().execute(query))


def _store(subscription_id: str, selector: str, options: dict[str, Any]) -> None:
    op.get_bind().execute(
        sa.update(_subscriptions)
        .where(_subscriptions.c.id == subscription_id)
        .values(selector=selector, options=options)
    )


def upgrade() -> None:
    for row in _digests():
        options = dict(row.options or {})
        _store(row.id, selector_text(options.pop("selector", None)), options)


def downgrade() -> None:
    for row in _digests():
        options = dict(row.options or {})
        options["selector"] = selector_json(row.selector or "")
        _store(row.id, row.selector or "", options)
