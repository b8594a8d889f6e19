"""Upgrading a running single-account bot's database to sources (revision 0006) keeps everything it stored.

The database is built at revision 0004, the schema such a bot ran on, with the rows it had (written with
that schema's columns only), then upgraded the way `hvr-bot db upgrade` does it, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Table, func, insert, inspect, select
from sqlalchemy.engine import Connection

from bot.storage.access import AccessRepo
from bot.storage.alert_messages import AlertMessageRepo
from bot.storage.approvals import ApprovalRepo
from bot.storage.audit import AuditRepo
from bot.storage.bulk import BulkRepo
from bot.storage.claims import ClaimRepo, EventClaimRepo
from bot.storage.db import Database
from bot.storage.digest_state import DigestStateRepo
from bot.storage.follows import FollowRepo
from bot.storage.migrate import alembic_config, current_revision, head_revision, upgrade
from bot.storage.subscriptions import SubscriptionRepo
from bot.storage.tables import (
    access_grants,
    alert_messages,
    audit_entries,
    bulk_items,
    bulk_runs,
    digest_state,
    event_claims,
    fire_claims,
    followed_syncs,
    resync_approvals,
    subscriptions,
    watch_state,
)
from bot.storage.watch_state import WatchStateRepo
from tests.fakes import FakeClock
from tests.storage.columns import stored_pipeline_sources, stored_sources

SINGLE_ACCOUNT = "0004"  # the schema a single-account bot ran on before sources
PIPELINE_TABLES = (watch_state, alert_messages, bulk_items, followed_syncs, resync_approvals)
T0 = FakeClock()()
HOUR = timedelta(hours=1)
FIRE = T0 - HOUR
EVENT_KEY = "transition:conn_a:broke:healthy->broken@2026-01-01T00:00:00+00:00"
APPROVAL_TTL = timedelta(days=1)


def _at(offset: timedelta = timedelta()) -> datetime:
    return T0 + offset


def _subscription(sub_id: str, kind: str, **values: Any) -> dict[str, Any]:
    return {
        "id": sub_id,
        "kind": kind,
        "channel_id": "C1",
        "created_by": "U1",
        "timezone": "Europe/Amsterdam",
        "created_at": _at(-HOUR * 48),
        "updated_at": _at(-HOUR * 48),
        "active": True,
        **values,
    }


def _audit(number: int, action: str, connectors: list[str], **values: Any) -> dict[str, Any]:
    return {
        "request_id": f"ref-{number}",
        "at": _at(HOUR * (number - 4)),
        "user_id": "U1",
        "channel_id": "C1",
        "source": "command",
        "action": action,
        "connectors": connectors,
        "parameters": {},
        "status": "succeeded",
        **values,
    }


# What a single-account bot has on record: ids are bare Fivetran ids. Only columns of revision 0004.
LEGACY_ROWS: list[tuple[Table, list[dict[str, Any]]]] = [
    (
        subscriptions,
        [
            # a digest as 0004 stored it: its selector as JSON in options (the text beside it unread)
            _subscription(
                "dig1",
                "digest",
                schedule="weekdays 09:00",
                selector="status:failing",
                options={"top": 5, "selector": {"groups": [], "statuses": ["failing"], "services": []}},
            ),
            _subscription("wat1", "watch", selector="group:warehouse", options={"events": ["failures"]}),
        ],
    ),
    (
        digest_state,
        [{"subscription_id": "dig1", "last_fire_time": FIRE, "last_problems": {"conn_b": "broken"}}],
    ),
    (
        fire_claims,
        [
            {
                "subscription_id": "dig1",
                "fire_time": FIRE,
                "holder": "old:1:x",
                "claimed_at": FIRE,
                "lease_until": FIRE + HOUR,
                "done_at": FIRE,
                "outcome": "posted",
            }
        ],
    ),
    (event_claims, [{"key": EVENT_KEY, "holder": "old:1:x", "claimed_at": _at(), "lease_until": _at(HOUR)}]),
    (
        watch_state,
        [
            {"connection_id": "conn_a", "state": {"health": "broken"}, "seen_at": _at()},
            {"connection_id": "conn_b", "state": {"health": "healthy"}, "seen_at": _at()},
        ],
    ),
    (
        alert_messages,
        [
            {
                "connection_id": "conn_a",
                "channel_id": "C1",
                "subscription_id": "wat1",
                "ts": "1.1",
                "opened_at": _at(),
            },
            {
                "connection_id": "conn_b",
                "channel_id": "C1",
                "subscription_id": "wat1",
                "ts": "0.5",
                "opened_at": _at(-HOUR),
                "closed_at": _at(),
            },
        ],
    ),
    (
        followed_syncs,
        [
            {
                "connection_id": "conn_a",
                "connection_name": "salesforce",
                "channel_id": "C1",
                "message_ts": "2.2",
                "user_id": "U1",
                "force": False,
                "started_at": _at(-HOUR),
                "holder": "old:1:x",
                "lease_until": _at(-HOUR),  # its process died: the next one takes it over
            }
        ],
    ),
    (
        bulk_runs,
        [
            {
                "id": "run1",
                "user_id": "U1",
                "channel_id": "C1",
                "action": "pause",
                "status": "running",
                "created_at": _at(-HOUR),
                "updated_at": _at(-HOUR),
                "holder": "old:1:x",
            }
        ],
    ),
    (
        bulk_items,
        [
            {"run_id": "run1", "connection_id": cid, "position": i, "status": status, "updated_at": _at()}
            for i, (cid, status) in enumerate([("conn_a", "done"), ("conn_b", "pending")])
        ],
    ),
    (
        resync_approvals,
        [
            {
                "id": "apr1",
                "connection_id": "conn_a",
                "channel_id": "C1",
                "requested_by": "U1",
                "requested_at": _at(),
                "expires_at": _at(APPROVAL_TTL),
                "state": "pending",
            }
        ],
    ),
    (access_grants, [{"subject_id": "U2", "role": "operator", "granted_by": "U1", "granted_at": _at()}]),
    (
        audit_entries,
        [
            _audit(1, "sync", ["conn_a"]),
            _audit(2, "bulk", ["conn_a", "conn_b"], parameters={"run": "run1"}, status="started"),
            _audit(3, "grant", [], parameters={"subject": "U2"}),
        ],
    ),
]


def _alembic(connection: Connection, verb: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, verb)(config, revision)


async def _migrate(url: str, verb: str, revision: str) -> None:
    database = Database(url)
    try:
        async with database.begin() as connection:
            await connection.run_sync(_alembic, verb, revision)
    finally:
        await database.dispose()


@pytest.fixture
async def legacy_url(empty_database_url: str) -> AsyncIterator[str]:
    """A database at revision 0004 holding a single-account bot's rows, on each backend."""
    await _migrate(empty_database_url, "upgrade", SINGLE_ACCOUNT)
    database = Database(empty_database_url)
    try:
        async with database.begin() as connection:
            for table, rows in LEGACY_ROWS:
                for row in rows:
                    await connection.execute(insert(table).values(**row))
    finally:
        await database.dispose()
    yield empty_database_url


@pytest.fixture
async def upgraded(legacy_url: str) -> AsyncIterator[Database]:
    await upgrade(legacy_url)
    database = Database(legacy_url)
    yield database
    await database.dispose()


async def test_the_upgrade_reaches_head_and_records_every_pipeline_row_as_the_fivetran_source(
    legacy_url: str, upgraded: Database
) -> None:
    assert await current_revision(legacy_url) == head_revision()
    for table in PIPELINE_TABLES:
        rows = (table.name, set((await stored_sources(upgraded, table)).values()))
        assert rows == (table.name, {"fivetran"})
    by_id = sorted((await stored_pipeline_sources(upgraded)).items())
    assert [sources for _, sources in by_id] == [["fivetran"], ["fivetran"], []]  # sync, bulk, grant


async def test_digests_and_watches_keep_working_after_the_upgrade(upgraded: Database) -> None:
    subs = {s.id: s for s in await SubscriptionRepo(upgraded).list_active()}
    assert (subs["dig1"].kind, subs["dig1"].schedule, subs["dig1"].selector, dict(subs["dig1"].options)) == (
        "digest",
        "weekdays 09:00",
        "status:failing",
        {"top": 5},
    )
    assert (subs["wat1"].kind, subs["wat1"].selector) == ("watch", "group:warehouse")
    state = await DigestStateRepo(upgraded).get("dig1")
    assert state is not None and dict(state.last_problems) == {"conn_b": "broken"}
    claims = ClaimRepo(upgraded, clock=FakeClock())
    claim = await claims.get("dig1", FIRE)
    assert claim is not None and claim.outcome == "posted"
    assert not await claims.try_claim("dig1", FIRE, "new:1:y", 60)  # that fire was posted: never again


async def test_watch_state_alerts_and_claims_keep_working_after_the_upgrade(upgraded: Database) -> None:
    states = WatchStateRepo(upgraded)
    assert {k: dict(v.state) for k, v in (await states.get_all(source="fivetran")).items()} == {
        "conn_a": {"health": "broken"},
        "conn_b": {"health": "healthy"},
    }
    alerts = AlertMessageRepo(upgraded, clock=FakeClock())
    assert await alerts.open(connection_id="conn_a", channel_id="C1", ts="9.9") is None  # still open
    closed = await alerts.close("conn_a", "C1")
    assert closed is not None and (closed.ts, closed.subscription_id) == ("1.1", "wat1")
    assert await alerts.count_opened_since("conn_b", "C1", T0 - 2 * HOUR) == 1
    events = EventClaimRepo(upgraded, clock=FakeClock())
    assert await events.get(EVENT_KEY) is not None
    assert not await events.try_claim(EVENT_KEY, "new:1:y", 60)  # its lease still runs


async def test_follows_bulk_runs_approvals_and_the_audit_log_keep_working_after_the_upgrade(
    upgraded: Database,
) -> None:
    [follow] = await FollowRepo(upgraded, clock=FakeClock()).take_over_lapsed("new:1:y", HOUR)
    # migration 0010: a follow from before is a Fivetran sync's
    assert (follow.kind, follow.event_id, follow.tables) == ("sync", None, None)
    assert (follow.connection_id, follow.connection_name, follow.message_ts) == (
        "conn_a",
        "salesforce",
        "2.2",
    )

    bulk = BulkRepo(upgraded, clock=FakeClock())
    [run] = await bulk.list_running()
    assert [(i.connection_id, i.status) for i in run.items] == [("conn_a", "done"), ("conn_b", "pending")]
    assert await bulk.cancel_pending("run1", "the bot restarted") == 1

    approvals = ApprovalRepo(upgraded, clock=FakeClock())
    request = await approvals.get("apr1")
    assert request is not None and request.connection_id == "conn_a"
    assert await approvals.decide("apr1", by="U2", approve=True)

    audit = AuditRepo(upgraded, clock=FakeClock())
    assert [e.request_id for e in await audit.query()] == ["ref-3", "ref-2", "ref-1"]
    assert [e.request_id for e in await audit.query(connector="conn_b")] == ["ref-2"]
    assert [e.request_id for e in await audit.query(pipeline_source="fivetran")] == ["ref-2", "ref-1"]
    [interrupted] = await audit.open_entries("bulk")
    assert (interrupted.request_id, interrupted.connectors) == ("ref-2", ("conn_a", "conn_b"))
    assert await audit.finish(interrupted.id, "failed", "interrupted", "the bot restarted")
    assert [g.subject_id for g in await AccessRepo(upgraded).list()] == ["U2"]


async def test_rows_of_another_source_written_after_the_upgrade_record_it(upgraded: Database) -> None:
    states = WatchStateRepo(upgraded, clock=FakeClock())
    await states.put_many({"staging:conn_a": {"health": "healthy"}})
    assert list(await states.get_all(source="staging")) == ["staging:conn_a"]
    assert sorted(await states.get_all(source="fivetran")) == ["conn_a", "conn_b"]

    alerts = AlertMessageRepo(upgraded, clock=FakeClock())
    # the same id in another source is another pipeline: its alert opens beside the open one
    assert await alerts.open(connection_id="staging:conn_a", channel_id="C1", ts="5.5") is not None
    run = await BulkRepo(upgraded, clock=FakeClock()).create(
        user_id="U1", channel_id="C1", action="sync", connection_ids=["staging:conn_a"]
    )
    entry_id = await AuditRepo(upgraded, clock=FakeClock()).start(
        request_id="ref-9",
        user_id="U1",
        channel_id="C1",
        source="command",
        action="sync",
        connectors=["staging:conn_a"],
    )

    assert (await stored_sources(upgraded, watch_state))["staging:conn_a"] == "staging"
    assert (await stored_sources(upgraded, alert_messages))["staging:conn_a"] == "staging"
    assert run.items[0].connection_id == "staging:conn_a"
    assert (await stored_sources(upgraded, bulk_items))["staging:conn_a"] == "staging"
    assert (await stored_pipeline_sources(upgraded))[entry_id] == ["staging"]
    assert [e.id for e in await AuditRepo(upgraded).query(pipeline_source="staging")] == [entry_id]


async def _columns(url: str, table: str) -> set[str]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            found = await connection.run_sync(lambda c: inspect(c).get_columns(table))
    finally:
        await database.dispose()
    return {column["name"] for column in found}


async def _count(url: str, table: Table) -> int:
    database = Database(url)
    try:
        async with database.begin() as connection:
            return int(await connection.scalar(select(func.count()).select_from(table)) or 0)
    finally:
        await database.dispose()


async def test_the_downgrade_drops_the_source_columns_and_keeps_every_row(legacy_url: str) -> None:
    await upgrade(legacy_url)
    before_sources = ScriptDirectory.from_config(alembic_config()).get_revision("0006").down_revision
    assert isinstance(before_sources, str)

    await _migrate(legacy_url, "downgrade", before_sources)

    assert await current_revision(legacy_url) == before_sources
    for table in PIPELINE_TABLES:
        assert "source" not in await _columns(legacy_url, table.name)
    assert "pipeline_sources" not in await _columns(legacy_url, "audit_entries")
    assert "source" in await _columns(legacy_url, "audit_entries")  # where the request came from stays
    for table, rows in LEGACY_ROWS:
        assert (table.name, await _count(legacy_url, table)) == (table.name, len(rows))

    # alert_messages was rebuilt on SQLite: its unique index still binds only open alerts (conn_b's is closed)
    database = Database(legacy_url)
    try:
        async with database.begin() as connection:
            reopened = {"connection_id": "conn_b", "channel_id": "C1", "ts": "8.8", "opened_at": _at()}
            await connection.execute(insert(alert_messages).values(**reopened))
    finally:
        await database.dispose()

    await upgrade(legacy_url)  # and up again
    assert await current_revision(legacy_url) == head_revision()
