"""Pipeline keys of every source round-trip through the repositories, which record each key's source."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.storage.alert_messages import AlertMessageRepo
from bot.storage.approvals import ApprovalRepo
from bot.storage.audit import AuditRepo
from bot.storage.bulk import BulkRepo
from bot.storage.db import Database
from bot.storage.follows import FollowKind, FollowRepo
from bot.storage.tables import (
    alert_messages,
    bulk_items,
    followed_syncs,
    resync_approvals,
    watch_state,
)
from bot.storage.watch_state import WatchStateRepo
from tests.fakes import FakeClock
from tests.storage.columns import stored_pipeline_sources, stored_sources

LEASE = timedelta(seconds=30)


async def test_watch_state_keeps_each_source_apart_and_reads_one_source(database: Database) -> None:
    repo = WatchStateRepo(database, clock=FakeClock())
    await repo.put_many({"abc": {"health": "healthy"}, "staging:abc": {"health": "failing"}})

    every = await repo.get_all()
    assert {key: dict(s.state) for key, s in every.items()} == {
        "abc": {"health": "healthy"},
        "staging:abc": {"health": "failing"},
    }
    assert list(await repo.get_all(source="staging")) == ["staging:abc"]
    assert list(await repo.get_all(source="fivetran")) == ["abc"]
    assert await repo.get_all(source="prod") == {}
    assert await stored_sources(database, watch_state) == {"abc": "fivetran", "staging:abc": "staging"}

    await repo.put_many({"staging:abc": {"health": "healthy"}})  # replaces, source unchanged
    assert dict((await repo.get_all(source="staging"))["staging:abc"].state) == {"health": "healthy"}


async def test_alert_messages_of_one_id_in_two_sources_are_two_alerts(database: Database) -> None:
    clock = FakeClock()
    repo = AlertMessageRepo(database, clock=clock)
    staging = await repo.open(connection_id="staging:abc", channel_id="C1", ts="1.1")
    bare = await repo.open(connection_id="abc", channel_id="C1", ts="2.2")
    assert staging is not None and bare is not None
    assert await repo.open(connection_id="staging:abc", channel_id="C1", ts="3.3") is None

    found = await repo.find_open("staging:abc", "C1")
    assert found is not None and (found.connection_id, found.ts) == ("staging:abc", "1.1")
    assert [a.ts for a in await repo.list_open("staging:abc")] == ["1.1"]
    assert await repo.count_opened_since("staging:abc", "C1", clock() - timedelta(hours=1)) == 1
    assert await stored_sources(database, alert_messages) == {"staging:abc": "staging", "abc": "fivetran"}

    closed = await repo.close("staging:abc", "C1")
    assert closed is not None and closed.ts == "1.1"
    still = await repo.find_open("abc", "C1")
    assert still is not None and still.ts == "2.2"


async def test_a_follow_keeps_its_key_through_a_takeover(database: Database) -> None:
    clock = FakeClock()
    repo = FollowRepo(database, clock=clock)
    follow_id = await repo.add(
        connection_id="staging:abc",
        connection_name="salesforce",
        channel_id="C1",
        message_ts="1.1",
        user_id="U1",
        force=False,
        baseline=None,
        started_at=clock(),
        holder="h1",
        lease=LEASE,
    )
    clock.advance(60)

    [taken] = await repo.take_over_lapsed("h2", LEASE)

    assert (taken.id, taken.connection_id, taken.holder) == (follow_id, "staging:abc", "h2")
    stored = await repo.get(follow_id)
    assert stored is not None and stored.connection_id == "staging:abc"
    assert await stored_sources(database, followed_syncs) == {"staging:abc": "staging"}


async def test_a_bulk_run_across_sources_records_each_items_source(database: Database) -> None:
    repo = BulkRepo(database, clock=FakeClock())
    run = await repo.create(
        user_id="U1", channel_id="C1", action="pause", connection_ids=["staging:abc", "abc", "prod:abc"]
    )
    assert [i.connection_id for i in run.items] == ["staging:abc", "abc", "prod:abc"]

    assert await repo.start_item(run.id, "staging:abc")
    assert await repo.finish_item(run.id, "staging:abc", "done")
    assert await repo.finish_item(run.id, "abc", "failed", "NotFound_Connector")

    stored = await repo.get(run.id)
    assert stored is not None
    assert [(i.connection_id, i.status) for i in stored.items] == [
        ("staging:abc", "done"),
        ("abc", "failed"),
        ("prod:abc", "pending"),
    ]
    assert await stored_sources(database, bulk_items) == {
        "staging:abc": "staging",
        "abc": "fivetran",
        "prod:abc": "prod",
    }


async def test_an_approval_request_keeps_its_key(database: Database) -> None:
    repo = ApprovalRepo(database, clock=FakeClock())
    asked = await repo.ask(connection_id="staging:abc", channel_id="C1", requested_by="U1", ttl=LEASE)

    assert await repo.get(asked.id) == asked
    assert await repo.decide(asked.id, by="U2", approve=True)
    decided = await repo.get(asked.id)
    assert decided is not None and (decided.connection_id, decided.state) == ("staging:abc", "approved")
    assert await stored_sources(database, resync_approvals) == {"staging:abc": "staging"}


async def _audit(repo: AuditRepo, connectors: tuple[str, ...], **values: Any) -> int:
    return await repo.start(
        request_id="ref",
        user_id="U1",
        channel_id="C1",
        source="command",
        action=values.pop("action", "sync"),
        connectors=connectors,
        **values,
    )


async def test_audit_entries_record_their_pipelines_sources_and_filter_by_one(database: Database) -> None:
    repo = AuditRepo(database, clock=FakeClock())
    both = await _audit(repo, ("staging:abc", "abc", "staging:def"), action="bulk")
    prod = await _audit(repo, ("prod:abc",))
    grant = await _audit(repo, (), action="grant")

    entry = await repo.get(both)
    assert entry is not None and entry.connectors == ("staging:abc", "abc", "staging:def")
    assert await stored_pipeline_sources(database) == {
        both: ["fivetran", "staging"],
        prod: ["prod"],
        grant: [],
    }
    assert [e.id for e in await repo.query(pipeline_source="staging")] == [both]
    assert [e.id for e in await repo.query(pipeline_source="fivetran")] == [both]
    assert [e.id for e in await repo.query(pipeline_source="prod")] == [prod]
    assert [e.id for e in await repo.query(pipeline_source="stag")] == []
    # a key is matched whole: the bare id is not the staging pipeline of the same id
    assert [e.id for e in await repo.query(connector="prod:abc")] == [prod]
    assert [e.id for e in await repo.query(connector="abc")] == [both]
    assert [e.id for e in await repo.query(connector="abc", pipeline_source="prod")] == []
    assert [e.id for e in await repo.query()] == [grant, prod, both]


async def test_a_hub_follow_keeps_its_kind_tables_and_event_through_a_takeover(database: Database) -> None:
    clock = FakeClock()
    repo = FollowRepo(database, clock=clock)
    follow_id = await repo.add(
        connection_id="east:orders",
        connection_name="orders",
        channel_id="C1",
        message_ts=None,
        user_id="U1",
        force=False,
        baseline=None,
        started_at=clock(),
        holder="h1",
        lease=LEASE,
        kind=FollowKind.COMPARE,
        tables=["customers", "lines"],
    )
    await repo.set_event(follow_id, "2026-12-02T12:00:00.000001Z")
    clock.advance(60)

    [taken] = await repo.take_over_lapsed("h2", LEASE)

    assert (taken.kind, taken.tables, taken.event_id) == (
        "compare",
        ["customers", "lines"],
        "2026-12-02T12:00:00.000001Z",
    )
    assert await stored_sources(database, followed_syncs) == {"east:orders": "east"}
