from __future__ import annotations

from bot.storage.audit import AuditRepo
from bot.storage.db import Database
from tests.fakes import FakeClock


async def _start(repo: AuditRepo, *, user: str = "U1", connectors: tuple[str, ...] = ("conn_a",)) -> int:
    return await repo.start(
        request_id="ref-1",
        user_id=user,
        channel_id="C1",
        source="command",
        action="sync",
        connectors=connectors,
        parameters={"force": True},
    )


async def test_an_entry_is_started_then_finalised(database: Database) -> None:
    clock = FakeClock()
    repo = AuditRepo(database, clock=clock)
    entry_id = await _start(repo)
    started = await repo.get(entry_id)
    assert started is not None
    assert (started.status, started.finished_at, started.connectors) == ("started", None, ("conn_a",))
    assert started.parameters == {"force": True}

    clock.advance(5)
    assert await repo.finish(entry_id, "succeeded", "Success", "Sync triggered")

    done = await repo.get(entry_id)
    assert done is not None
    assert (done.status, done.fivetran_code, done.message, done.finished_at) == (
        "succeeded",
        "Success",
        "Sync triggered",
        clock(),
    )


async def test_a_second_finish_returns_false_and_changes_nothing(database: Database) -> None:
    clock = FakeClock()
    repo = AuditRepo(database, clock=clock)
    entry_id = await _start(repo)
    assert await repo.finish(entry_id, "failed", "NotFound_Connector", "gone")
    before = await repo.get(entry_id)

    clock.advance(60)
    assert not await repo.finish(entry_id, "succeeded", "Success", "rewritten")

    assert await repo.get(entry_id) == before


async def test_finishing_an_unknown_entry_returns_false(database: Database) -> None:
    assert not await AuditRepo(database).finish(999, "succeeded")


async def test_a_recorded_refusal_is_final_at_once(database: Database) -> None:
    repo = AuditRepo(database, clock=FakeClock())
    entry_id = await repo.record(
        request_id="ref-2",
        user_id="U2",
        channel_id="C1",
        source="button",
        action="pause",
        status="refused",
        connectors=["conn_b"],
        message="operator role needed",
    )
    assert not await repo.finish(entry_id, "succeeded")
    entry = await repo.get(entry_id)
    assert entry is not None and entry.status == "refused"


async def test_query_filters_by_connector_and_user_newest_first(database: Database) -> None:
    repo = AuditRepo(database, clock=FakeClock())
    first = await _start(repo, user="U1", connectors=("conn_a", "conn_b"))
    second = await _start(repo, user="U2", connectors=("conn_b",))
    third = await _start(repo, user="U1", connectors=("conn_c",))

    assert [e.id for e in await repo.query()] == [third, second, first]
    assert [e.id for e in await repo.query(connector="conn_b")] == [second, first]
    assert [e.id for e in await repo.query(connector="conn_")] == []
    assert [e.id for e in await repo.query(user="U1")] == [third, first]
    assert [e.id for e in await repo.query(user="U1", connector="conn_b")] == [first]
    assert [e.id for e in await repo.query(limit=1)] == [third]
