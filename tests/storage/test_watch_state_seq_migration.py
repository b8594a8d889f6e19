"""Migration 0011: the states stored before it are read (stamped 0, below any counter), the first write
after it numbers from the start, and the downgrade keeps every row."""

from __future__ import annotations

from sqlalchemy import text

from bot.storage.db import Database
from bot.storage.watch_state import WatchStateRepo
from tests.fakes import FakeClock
from tests.storage.revisions import downgrade_to, upgrade_to


async def _run(url: str, *statements: str) -> list[tuple[object, ...]]:
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            found: list[tuple[object, ...]] = []
            for statement in statements:
                result = await connection.execute(text(statement))
                found = [tuple(row) for row in result] if result.returns_rows else found
            return found
    finally:
        await database.dispose()


async def test_rows_stored_before_0011_are_read_and_a_write_after_it_is_read_by_another_repo(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await upgrade_to(url, "0010")
    await _run(
        url,
        "INSERT INTO watch_state (connection_id, state, seen_at, source) "
        "VALUES ('old', '{\"health\": \"failing\"}', '2026-12-01 10:00:00', 'fivetran')",
    )
    await upgrade_to(url, "head")
    database = Database(url)
    try:
        mine, theirs = (
            WatchStateRepo(database, clock=FakeClock()),
            WatchStateRepo(database, clock=FakeClock()),
        )
        assert {k: dict(v.state) for k, v in (await mine.get_all()).items()} == {"old": {"health": "failing"}}
        await theirs.put_many({"old": {"health": "healthy"}})
        assert dict((await mine.get_all())["old"].state) == {"health": "healthy"}
    finally:
        await database.dispose()
    assert await _run(url, "SELECT connection_id, seq FROM watch_state") == [("old", 1)]

    await downgrade_to(url, "0010")
    assert await _run(url, "SELECT connection_id FROM watch_state") == [("old",)]
    assert await _run(url, "SELECT name FROM change_counters WHERE name = 'watch_state'") == []
    await upgrade_to(url, "head")
