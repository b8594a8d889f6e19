"""The schema as SQLAlchemy Core tables: what the repositories query and what migrations create.

Core rather than ORM: every repository method is one or two statements in a short transaction, and the
rows leave as frozen dataclasses.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from bot.keys import DEFAULT_SOURCE
from bot.storage.types import JsonValue, UTCDateTime

# Deterministic constraint names, so later migrations can drop or alter them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def source_column() -> Column[str]:
    """The source of the row's pipeline (`bot.keys.source_of` of its key), for filtering in SQL.

    The default is the rule for bare keys, so the rows written before sources existed, whose ids are all
    bare, are the `fivetran` source's, as are the rows of any writer that stores a bare key.
    """
    return Column("source", String(64), nullable=False, server_default=DEFAULT_SOURCE)


subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("kind", String(16), nullable=False),  # digest | watch
    Column("channel_id", String(32), nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("schedule", Text, nullable=True),  # canonical schedule text; null for watches
    Column("timezone", String(64), nullable=False),
    Column("selector", Text, nullable=False, server_default=""),
    Column("options", JsonValue(), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Index("ix_subscriptions_channel_kind", "channel_id", "kind"),
    Index("ix_subscriptions_active_kind", "active", "kind"),
)

# One row per named counter, bumped in the same transaction as the change it counts: schedulers compare
# one integer to notice that subscriptions changed, whatever the replicas' clocks say.
change_counters = Table(
    "change_counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)

fire_claims = Table(
    "fire_claims",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "subscription_id",
        String(16),
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("fire_time", UTCDateTime, nullable=False),
    Column("holder", String(128), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime, nullable=True),
    Column("outcome", Text, nullable=True),
    UniqueConstraint("subscription_id", "fire_time", name="uq_fire_claims_subscription_fire_time"),
    Index("ix_fire_claims_holder_open", "holder", "done_at"),
)

digest_state = Table(
    "digest_state",
    metadata,
    Column(
        "subscription_id",
        String(16),
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("last_fire_time", UTCDateTime, nullable=False),
    Column("last_problems", JsonValue(), nullable=False),  # connection id -> health
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("user_id", String(32), nullable=True),
    Column("channel_id", String(32), nullable=True),
    Column("source", String(16), nullable=False),  # command | button | modal | webhook | system
    Column("action", String(64), nullable=False),
    Column("connectors", JsonValue(), nullable=False),  # list of pipeline keys
    # The distinct sources of `connectors`, sorted: [] for an entry about no pipeline (a grant), several
    # for a bulk run across sources. Not `source`: that column says where the request came from.
    Column("pipeline_sources", JsonValue(), nullable=False, server_default="[]"),
    Column("parameters", JsonValue(), nullable=False),
    Column("status", String(16), nullable=False),  # started | succeeded | failed | refused
    Column("fivetran_code", String(128), nullable=True),
    Column("message", Text, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Index("ix_audit_entries_request_id", "request_id"),
    Index("ix_audit_entries_user_id", "user_id", "id"),
    Index("ix_audit_entries_at", "at"),
)

access_grants = Table(
    "access_grants",
    metadata,
    Column("subject_id", String(32), primary_key=True),  # U… user or S… user group
    Column("role", String(16), nullable=False),  # operator | admin
    Column("granted_by", String(32), nullable=False),
    Column("granted_at", UTCDateTime, nullable=False),
)

watch_state = Table(
    "watch_state",
    metadata,
    Column("connection_id", String(128), primary_key=True),  # the pipeline's key
    Column("state", JsonValue(), nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    source_column(),
    # the `watch_state` change counter's value of the write that stored the row (watch_state.py)
    Column("seq", Integer, nullable=False, server_default="0"),
    Index("ix_watch_state_seq", "seq"),
)

event_claims = Table(
    "event_claims",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime, nullable=True),
    Column("outcome", Text, nullable=True),
    Index("ix_event_claims_holder_open", "holder", "done_at"),
    Index("ix_event_claims_claimed_at", "claimed_at"),
)

alert_messages = Table(
    "alert_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("connection_id", String(128), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column(
        "subscription_id",
        String(16),
        ForeignKey("subscriptions.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("ts", String(32), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    source_column(),
    # The incident (migration 0009): who took it, how many reminder periods were told, what it was drawn
    # from (so an acknowledge or a snooze draws it again without the event at hand).
    Column("acked_by", String(32), nullable=True),
    Column("acked_at", UTCDateTime, nullable=True),
    Column("reminders", Integer, nullable=False, server_default="0"),
    Column("reminded_at", UTCDateTime, nullable=True),
    Column("view", JsonValue(), nullable=True),
    # At most one open failure alert per connector and channel: a recovery replies to exactly one thread.
    Index(
        "uq_alert_messages_open",
        "connection_id",
        "channel_id",
        unique=True,
        sqlite_where=text("closed_at IS NULL"),  # and on PostgreSQL: `postgresql_options`
    ),
)

# A pipeline snoozed in a channel: its failure alerts there are held (counted) until `until`, or until it
# recovers when `until` is NULL. At most one in force per pipeline and channel.
alert_snoozes = Table(
    "alert_snoozes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("connection_id", String(128), nullable=False),
    Column("channel_id", String(32), nullable=False),
    source_column(),
    Column("thread_ts", String(32), nullable=True),  # the alert whose thread hears the summary
    Column("snoozed_by", String(32), nullable=False),
    Column("snoozed_at", UTCDateTime, nullable=False),
    Column("until", UTCDateTime, nullable=True),
    Column("held", Integer, nullable=False, server_default="0"),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("ended_by", String(32), nullable=True),
    Index(
        "uq_alert_snoozes_in_force",
        "connection_id",
        "channel_id",
        unique=True,
        sqlite_where=text("ended_at IS NULL"),  # and on PostgreSQL: `postgresql_options`
    ),
    Index("ix_alert_snoozes_until", "ended_at", "until"),
)

action_dedupe = Table(
    "action_dedupe",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_action_dedupe_created_at", "created_at"),
)

bulk_runs = Table(
    "bulk_runs",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("user_id", String(32), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("action", String(32), nullable=False),
    Column("message_ts", String(32), nullable=True),
    Column("status", String(16), nullable=False),  # pending | running | finished | cancelled
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # host:pid:nonce of the process running it, so a restarted process knows its predecessor died
    Column("holder", String(128), nullable=True),
    Index("ix_bulk_runs_status", "status"),
)

bulk_items = Table(
    "bulk_items",
    metadata,
    Column("run_id", String(16), ForeignKey("bulk_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("connection_id", String(128), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # bot.storage.bulk.ItemStatus
    Column("reason", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    source_column(),
)

# A sync the bot is following to its end, so that a restart (or another replica) picks the following up
# where it stopped instead of leaving a channel message saying "Syncing…" forever.
followed_syncs = Table(
    "followed_syncs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("connection_id", String(128), nullable=False),
    Column("connection_name", String(255), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("message_ts", String(32), nullable=True),  # null: answered only to the person (ephemeral)
    Column("user_id", String(32), nullable=False),
    Column("force", Boolean, nullable=False),
    Column("baseline", UTCDateTime, nullable=True),  # max(succeeded_at, failed_at) before the trigger
    Column("started_at", UTCDateTime, nullable=False),
    Column("holder", String(128), nullable=False),
    Column("lease_until", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("outcome", String(32), nullable=True),
    # A manual-schedule connector's rescheduled sync, which the bot starts again itself: the time it said
    # it would, the time it last did it for, and how often it did.
    Column("resume_at", UTCDateTime, nullable=True),
    Column("restarted_for", UTCDateTime, nullable=True),
    Column("restarts", Integer, nullable=False, server_default="0"),
    # What is followed (migration 0010): a Fivetran `sync`; of a hub, its `jobs` after a start, or the
    # `refresh` or `compare` event `event_id` (set once the hub answered), of `tables` (NULL: all).
    Column("kind", String(16), nullable=False, server_default="sync"),
    Column("event_id", String(64), nullable=True),
    Column("tables", JsonValue(), nullable=True),
    source_column(),
    Index("ix_followed_syncs_finished_at", "finished_at"),
)

# A historical re-sync waiting for a second admin (HVR_RESYNC_APPROVAL). The Approve button carries only
# the id; the decision is a conditional UPDATE from `pending`, so one press wins on any replica.
resync_approvals = Table(
    "resync_approvals",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("connection_id", String(128), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("requested_by", String(32), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),  # pending | approved | rejected
    Column("decided_by", String(32), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    source_column(),
)

# Slack request signatures seen within Bolt's 5-minute window: a signature seen before is a replay.
seen_signatures = Table(
    "seen_signatures",
    metadata,
    Column("signature", String(128), primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False),
    Index("ix_seen_signatures_seen_at", "seen_at"),
)

# Every message the bot owes a channel, written in the transaction of the change that owes it and sent by
# the deliverer (`bot.services.runtime.deliverer`). `id` orders a channel's messages; `after_id` is the row
# whose ts this one needs (the alert a recovery threads under or edits) while that ts is not known yet.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", String(32), nullable=False),
    Column("action", String(16), nullable=False),  # post | reply | update
    Column("origin", String(32), nullable=False),  # alert, digest, bulk, follow, …: for logs and metrics
    Column("after_id", Integer, nullable=True),
    Column("target_ts", String(32), nullable=True),
    Column("broadcast", Boolean, nullable=False, server_default=text("false")),
    Column("text", Text, nullable=False),
    Column("blocks", JsonValue(), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("not_before", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", String(64), nullable=True),
    Column("holder", String(128), nullable=True),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("ts", String(32), nullable=True),
    Column("done_at", UTCDateTime, nullable=True),
    Column("outcome", String(64), nullable=True),
    Index("ix_outbox_open_channel", "done_at", "channel_id", "id"),
)


def postgresql_options() -> None:
    """Gives every partial index its PostgreSQL spelling (the same WHERE as on SQLite), as the migrations
    create it there. Called by `Database` for a PostgreSQL URL and by Alembic's environment: a
    `postgresql_where` written in the tables above would import the PostgreSQL dialect (~2 MB resident)
    with this module, in a bot running on SQLite too. Idempotent."""
    for table in metadata.tables.values():
        for index in table.indexes:
            where = index.dialect_kwargs.get("sqlite_where")
            if where is not None:
                index.dialect_kwargs["postgresql_where"] = where
