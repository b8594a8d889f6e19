"""What a read of the watcher's stored states costs: nothing when the table did not change since this repo
last read or wrote it, the rows written since when it did, everything when the counter went back. And
what it gives: always the table as it is, whoever wrote it, on both databases."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text

from bot.storage.db import Database
from bot.storage.watch_state import WRITE_CHUNK, WatchState, WatchStateRepo
from tests.fakes import FakeClock


def plain(states: Mapping[str, WatchState]) -> dict[str, tuple[dict[str, Any], str]]:
    return {k: (dict(v.state), v.seen_at.isoformat()) for k, v in states.items()}


async def test_a_read_of_an_unchanged_table_reads_no_row_and_hands_back_the_same_objects(
    database: Database,
) -> None:
    repo = WatchStateRepo(database, clock=FakeClock())
    await repo.put_many({f"c{i}": {"health": "healthy"} for i in range(5)})
    first = await repo.get_all()
    assert repo.rows_read == 5
    again = await repo.get_all()
    assert repo.rows_read == 5
    assert all(again[k] is first[k] for k in first)


async def test_this_repos_own_write_is_not_read_back_and_is_what_a_read_gives(database: Database) -> None:
    # microseconds and an offset: what the database gives back is UTC, and so must the memo be
    def clock() -> datetime:
        return datetime(2026, 12, 3, 13, 4, 5, 123456, tzinfo=timezone(timedelta(hours=2)))

    mine = WatchStateRepo(database, clock=clock)
    await mine.put_many({"a": {"health": "healthy"}, "b": {"health": "healthy"}})
    await mine.get_all()
    read = mine.rows_read
    await mine.put_many(
        {
            "a": {"health": "failing", "failed_at": "2026-12-03T11:00:00+00:00", "n": 2, "paused": None},
            "b": {"tables": ("t1", "t2"), "share": 0.5},  # not the watcher's: a tuple comes back a list
        }
    )
    remembered = await mine.get_all()
    assert mine.rows_read == read  # nothing read: nobody else wrote
    fresh = await WatchStateRepo(database).get_all()
    assert plain(remembered) == plain(fresh)
    assert remembered["a"].seen_at == fresh["a"].seen_at and remembered["a"].seen_at.tzinfo is not None


async def test_another_replicas_write_is_read_and_only_its_rows(database: Database) -> None:
    clock = FakeClock()
    mine, theirs = WatchStateRepo(database, clock=clock), WatchStateRepo(database, clock=clock)
    await mine.put_many({f"c{i}": {"health": "healthy"} for i in range(WRITE_CHUNK + 10)})
    first = await mine.get_all()
    read = mine.rows_read
    clock.advance(60)
    await theirs.put_many({"c3": {"health": "failing"}, "c4": {"health": "broken"}})
    again = await mine.get_all()
    assert mine.rows_read == read + 2
    assert dict(again["c3"].state) == {"health": "failing"} and again["c3"].seen_at == clock()
    assert again["c5"] is first["c5"]
    assert plain(again) == plain(await WatchStateRepo(database).get_all())


async def test_a_write_after_another_replicas_is_read_back_with_theirs(database: Database) -> None:
    clock = FakeClock()
    mine, theirs = WatchStateRepo(database, clock=clock), WatchStateRepo(database, clock=clock)
    await mine.put_many({"a": {"health": "healthy"}, "b": {"health": "healthy"}})
    await mine.get_all()
    await theirs.put_many({"a": {"health": "failing"}})  # unseen by mine
    await mine.put_many({"b": {"health": "paused"}})  # so this one cannot be just remembered
    read = mine.rows_read
    states = await mine.get_all()
    assert mine.rows_read == read + 2
    assert {k: dict(v.state) for k, v in states.items()} == {
        "a": {"health": "failing"},
        "b": {"health": "paused"},
    }


async def test_a_write_rolled_back_with_its_unit_is_not_remembered(database: Database) -> None:
    repo, theirs = WatchStateRepo(database, clock=FakeClock()), WatchStateRepo(database, clock=FakeClock())
    await repo.put_many({"a": {"health": "healthy"}, "b": {"health": "healthy"}})
    await repo.get_all()
    with pytest.raises(RuntimeError):
        async with database.unit():
            await repo.put_many({"a": {"health": "failing"}})
            raise RuntimeError("the unit fails after the write")
    await theirs.put_many({"b": {"health": "paused"}})  # takes the number the rolled-back write had
    assert {k: dict(v.state) for k, v in (await repo.get_all()).items()} == {
        "a": {"health": "healthy"},
        "b": {"health": "paused"},
    }


async def test_a_counter_that_went_back_makes_the_next_read_a_full_one(database: Database) -> None:
    repo = WatchStateRepo(database, clock=FakeClock())
    await repo.put_many({"a": {"health": "healthy"}, "b": {"health": "healthy"}})
    await repo.get_all()
    async with database.begin() as connection:  # as a database restored from an older backup
        await connection.execute(text("DELETE FROM watch_state WHERE connection_id = 'b'"))
        await connection.execute(text("UPDATE change_counters SET value = 0 WHERE name = 'watch_state'"))
    read = repo.rows_read
    assert list(await repo.get_all()) == ["a"]
    assert repo.rows_read == read + 1


async def test_one_sources_read_gives_its_rows_and_a_quiet_one_reads_none(database: Database) -> None:
    repo = WatchStateRepo(database, clock=FakeClock())
    await repo.put_many({"abc": {"health": "healthy"}, "staging:abc": {"health": "failing"}})
    assert list(await repo.get_all(source="staging")) == ["staging:abc"]
    read = repo.rows_read
    assert list(await repo.get_all(source="fivetran")) == ["abc"]
    assert repo.rows_read == read
