from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import text

from bot.storage.access import AccessRepo
from bot.storage.alert_messages import AlertMessageRepo
from bot.storage.bulk import BulkRepo
from bot.storage.db import Database
from bot.storage.dedupe import DedupeRepo
from bot.storage.digest_state import DigestStateRepo
from bot.storage.subscriptions import SubscriptionRepo
from bot.storage.watch_state import WRITE_CHUNK, WatchStateRepo
from tests.fakes import FakeClock


async def test_a_grant_replaces_the_subjects_previous_role_and_revoke_removes_it(database: Database) -> None:
    repo = AccessRepo(database, clock=FakeClock())
    await repo.grant("U1", "operator", "U9")
    await repo.grant("S1", "admin", "U9")
    await repo.grant("U1", "admin", "U8")

    assert [(g.subject_id, g.role, g.granted_by) for g in await repo.list()] == [
        ("S1", "admin", "U9"),
        ("U1", "admin", "U8"),
    ]
    assert await repo.revoke("U1")
    assert not await repo.revoke("U1")
    assert [g.subject_id for g in await repo.list()] == ["S1"]


async def test_watch_state_is_replaced_per_connection(database: Database) -> None:
    clock = FakeClock()
    repo = WatchStateRepo(database, clock=clock)
    await repo.put_many({"a": {"health": "healthy"}, "b": {"health": "failing"}})
    clock.advance(60)
    await repo.put_many({"a": {"health": "failing"}})

    states = await repo.get_all()
    assert {k: dict(v.state) for k, v in states.items()} == {
        "a": {"health": "failing"},
        "b": {"health": "failing"},
    }
    assert states["a"].seen_at == clock()


async def test_dedupe_lets_a_key_through_once_until_its_ttl_has_passed(database: Database) -> None:
    clock = FakeClock()
    repo = DedupeRepo(database, clock=clock)
    assert await repo.first_time("slack:retry:1", ttl_s=60)
    assert not await repo.first_time("slack:retry:1", ttl_s=60)
    clock.advance(60)
    assert await repo.first_time("slack:retry:1", ttl_s=60)
    assert not await repo.first_time("slack:retry:1", ttl_s=60)


async def test_concurrent_duplicates_pass_dedupe_exactly_once(database: Database) -> None:
    repo = DedupeRepo(database)
    results = await asyncio.gather(*(repo.first_time("click:42", ttl_s=600) for _ in range(8)))
    assert sum(results) == 1


async def test_one_open_alert_per_connector_and_channel_and_closing_returns_its_thread(
    database: Database,
) -> None:
    clock = FakeClock()
    repo = AlertMessageRepo(database, clock=clock)
    opened = await repo.open(connection_id="conn", channel_id="C1", ts="111.1")
    assert opened is not None
    assert await repo.open(connection_id="conn", channel_id="C1", ts="222.2") is None
    assert await repo.open(connection_id="conn", channel_id="C2", ts="333.3") is not None
    assert [a.channel_id for a in await repo.list_open("conn")] == ["C1", "C2"]

    clock.advance(5)
    closed = await repo.close("conn", "C1")
    assert closed is not None and closed.ts == "111.1" and closed.closed_at == clock()
    assert await repo.close("conn", "C1") is None
    assert await repo.find_open("conn", "C1") is None
    assert await repo.open(connection_id="conn", channel_id="C1", ts="444.4") is not None


async def test_digest_state_keeps_the_latest_problems(database: Database) -> None:
    clock = FakeClock()
    sub = await SubscriptionRepo(database).add(
        kind="digest", channel_id="C1", created_by="U1", timezone="UTC"
    )
    repo = DigestStateRepo(database)
    assert await repo.get(sub.id) is None
    await repo.put(sub.id, clock(), {"a": "failing"})
    await repo.put(sub.id, clock() + timedelta(hours=1), {"b": "broken"})
    state = await repo.get(sub.id)
    assert state is not None
    assert (state.last_fire_time, dict(state.last_problems)) == (
        clock() + timedelta(hours=1),
        {"b": "broken"},
    )


async def test_states_read_together_share_each_distinct_stored_map(database: Database) -> None:
    clock = FakeClock()
    subs = SubscriptionRepo(database, clock=clock)
    ids = [
        (await subs.add(kind="digest", channel_id=f"C{i}", created_by="U1", timezone="UTC")).id
        for i in range(3)
    ]
    repo = DigestStateRepo(database)
    await repo.put(ids[0], clock(), {"a": "failing", "b": "broken"})
    await repo.put(ids[1], clock(), {"a": "failing", "b": "broken"})
    await repo.put(ids[2], clock(), {"c": "paused"})

    states = await repo.get_many([*ids, "missing"])

    assert sorted(states) == sorted(ids)
    assert states[ids[0]].last_problems == {"a": "failing", "b": "broken"}
    assert states[ids[0]].last_problems is states[ids[1]].last_problems  # decoded once
    assert states[ids[2]].last_problems == {"c": "paused"}
    assert await repo.get_many([]) == {}


async def test_a_bulk_run_records_where_it_stopped(database: Database) -> None:
    repo = BulkRepo(database, clock=FakeClock())
    run = await repo.create(
        user_id="U1", channel_id="C1", action="pause", connection_ids=["a", "b", "c", "a"]
    )
    assert [i.connection_id for i in run.items] == ["a", "b", "c"]
    assert run.status == "pending"

    assert await repo.set_status(run.id, "running", expected=["pending"])
    assert not await repo.set_status(run.id, "running", expected=["pending"])  # a second confirm click
    await repo.set_message_ts(run.id, "123.4")
    assert await repo.finish_item(run.id, "a", "done")
    assert await repo.finish_item(run.id, "b", "failed", "NotFound_Connector")
    assert not await repo.finish_item(run.id, "a", "failed")

    [interrupted] = await repo.list_running()
    assert interrupted.message_ts == "123.4"
    assert await repo.cancel_pending(run.id, "the bot restarted") == 1
    stored = await repo.get(run.id)
    assert stored is not None
    assert [(i.connection_id, i.status, i.reason) for i in stored.items] == [
        ("a", "done", None),
        ("b", "failed", "NotFound_Connector"),
        ("c", "cancelled", "the bot restarted"),
    ]


async def test_watch_state_sees_another_replicas_write_and_stores_more_than_a_chunk(
    database: Database,
) -> None:
    clock = FakeClock()
    mine, theirs = WatchStateRepo(database, clock=clock), WatchStateRepo(database, clock=clock)
    many = {f"c{i}": {"health": "healthy", "n": i} for i in range(WRITE_CHUNK * 2 + 3)}
    await mine.put_many(many)
    first = await mine.get_all()
    assert {k: dict(v.state) for k, v in first.items()} == many

    clock.advance(60)
    await theirs.put_many({"c7": {"health": "failing", "n": 7}})  # a replica's write: not in my memo
    again = await mine.get_all()
    assert dict(again["c7"].state) == {"health": "failing", "n": 7}
    assert again["c7"].seen_at == clock()
    assert again["c8"] is first["c8"]  # unchanged rows are not decoded again


async def test_a_read_does_not_wait_for_a_writer(database: Database) -> None:
    repo = WatchStateRepo(database)
    await repo.put_many({"a": {"health": "healthy"}})
    async with database.begin() as writing:  # a writer holds the lock (SQLite: BEGIN IMMEDIATE)
        await writing.execute(text("UPDATE watch_state SET source = source"))
        states = await asyncio.wait_for(repo.get_all(), timeout=5)
    assert list(states) == ["a"]
