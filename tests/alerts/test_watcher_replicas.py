"""Replicas on PostgreSQL, each with its own engine: a quiet poll reads no stored row, yet what one replica
stores is what the other's next poll compares with, and concurrent writers never hide a write."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.services.alerts.events import AlertKind
from bot.storage.db import Database
from bot.storage.watch_state import WatchStateRepo
from tests.blocks.factory import connection
from tests.fakes import FakeClock

from .fakes import Replica


async def _until_waiting(database: Database, sessions: int) -> None:
    """Until that many sessions of this database wait on a lock (a few ms; 5 s at most). Asked on a
    connection of its own each time: inside one transaction, pg_stat_activity is read once."""
    statement = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    async with asyncio.timeout(5):
        while True:
            async with database.engine.connect() as connection:
                if (await connection.scalar(statement) or 0) >= sessions:
                    return
            await asyncio.sleep(0.005)


@pytest.fixture
async def two(postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    databases = (Database(postgres_url), Database(postgres_url))
    yield databases
    for database in databases:
        await database.dispose()


async def test_what_replica_a_stores_replica_bs_next_poll_reads_and_does_not_tell_again(
    two: tuple[Database, Database],
) -> None:
    clock = FakeClock()
    healthy, broken = connection(id="c0"), connection(id="c0", status={"setup_state": "broken"})
    a, b = (
        Replica(two[0], clock, healthy, connection(id="c1")),
        Replica(two[1], clock, healthy, connection(id="c1")),
    )
    for _ in range(2):
        await a.watcher.poll_once()
        await b.watcher.poll_once()
    read_a, read_b = a.state.rows_read, b.state.rows_read
    assert (await a.watcher.poll_once()).observed == 0 and (await b.watcher.poll_once()).observed == 0
    assert (a.state.rows_read, b.state.rows_read) == (read_a, read_b)  # quiet: no stored row read

    a.show(broken, connection(id="c1"))
    clock.advance(60)
    await a.watcher.poll_once()
    assert [e.kind for e in a.told] == [AlertKind.BROKE]
    b.show(broken, connection(id="c1"))
    assert (await b.watcher.poll_once()).events == []  # a stored the break: b compares with it
    assert b.state.rows_read == read_b + 1  # and read only that row

    b.show(healthy, connection(id="c1"))
    clock.advance(60)
    assert [e.kind for e in (await b.watcher.poll_once()).events] == [AlertKind.RECOVERED]
    a.show(healthy, connection(id="c1"))
    assert (await a.watcher.poll_once()).events == []


async def test_a_replica_that_missed_a_break_on_another_engine_still_tells_the_recovery(
    two: tuple[Database, Database],
) -> None:
    clock = FakeClock()
    healthy = connection(id="c0")
    a, b = Replica(two[0], clock, healthy), Replica(two[1], clock, healthy)
    for _ in range(3):
        await a.watcher.poll_once()
    await b.watcher.poll_once()
    b.show(connection(id="c0", status={"setup_state": "broken"}))
    clock.advance(60)
    await b.watcher.poll_once()
    assert [e.kind for e in b.told] == [AlertKind.BROKE]
    clock.advance(60)
    result = await a.watcher.poll_once()  # a's snapshot shows the very object it remembered as quiet
    assert result.observed == 1 and [e.kind for e in a.told] == [AlertKind.RECOVERED]


async def test_a_writer_waits_for_the_one_that_numbered_before_it_so_no_write_is_hidden(
    two: tuple[Database, Database],
) -> None:
    clock = FakeClock()
    mine = WatchStateRepo(two[0], clock=clock)
    first, second = WatchStateRepo(two[1], clock=clock), WatchStateRepo(two[0], clock=clock)
    await mine.put_many({"a": {"health": "healthy"}})
    await mine.get_all()
    read = mine.rows_read
    async with two[1].engine.begin() as holder:  # holds a's row: the first writer stops after its number
        await holder.execute(text("SELECT 1 FROM watch_state WHERE connection_id = 'a' FOR UPDATE"))
        writing_a = asyncio.create_task(first.put_many({"a": {"health": "failing"}}))
        await _until_waiting(two[0], 1)
        writing_b = asyncio.create_task(second.put_many({"b": {"health": "healthy"}}))
        await _until_waiting(two[0], 2)
        # Were b's write numbered after a's yet committed before it, a read now would take b's number
        # and never read a's row (stamped below it) again.
        assert not writing_b.done()
        await mine.get_all()
    await asyncio.gather(writing_a, writing_b)
    states = await mine.get_all()
    assert {k: dict(v.state) for k, v in states.items()} == {
        "a": {"health": "failing"},
        "b": {"health": "healthy"},
    }
    assert mine.rows_read == read + 2


async def test_concurrent_writers_are_all_read_by_each_replica(two: tuple[Database, Database]) -> None:
    clock = FakeClock()
    mine, theirs = WatchStateRepo(two[0], clock=clock), WatchStateRepo(two[1], clock=clock)
    await mine.put_many({"x": {"n": 0}})
    await asyncio.gather(mine.get_all(), theirs.get_all())
    await asyncio.gather(
        mine.put_many({f"m{i}": {"n": i} for i in range(450)}),  # three chunks each, interleaved
        theirs.put_many({f"t{i}": {"n": i} for i in range(450)} | {"x": {"n": 1}}),
    )
    truth = {k: dict(v.state) for k, v in (await WatchStateRepo(two[0]).get_all()).items()}
    assert len(truth) == 901 and truth["x"] == {"n": 1}
    for repo in (mine, theirs):
        assert {k: dict(v.state) for k, v in (await repo.get_all()).items()} == truth
