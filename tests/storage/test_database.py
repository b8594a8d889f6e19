from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.storage.db import Database, mask_url


async def test_sqlite_creates_the_parent_directory_and_enables_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "bot.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await db.ping()
        async with db.begin() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
            assert (await connection.scalar(text("PRAGMA busy_timeout"))) >= 5000
            assert (await connection.scalar(text("PRAGMA synchronous"))) == 1  # NORMAL
    finally:
        await db.dispose()
    assert path.exists()


async def test_ping_succeeds_on_a_reachable_database(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.ping()
    finally:
        await db.dispose()


async def test_ping_raises_when_postgresql_is_unreachable() -> None:
    db = Database("postgresql+asyncpg://bot@127.0.0.1:1/hvr")
    try:
        with pytest.raises((OSError, DBAPIError)):
            await db.ping()
    finally:
        await db.dispose()


async def test_session_commits_on_exit(database: Database) -> None:
    async with database.session() as session:
        await session.execute(
            text("INSERT INTO action_dedupe (key, created_at) VALUES ('k', CURRENT_TIMESTAMP)")
        )
    async with database.begin() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM action_dedupe")) == 1


async def test_sqlite_writers_of_one_process_take_turns_in_the_order_they_came(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    order: list[str] = []
    first_in, let_go = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with db.unit():
            order.append("holder in")
            first_in.set()
            await let_go.wait()
            async with db.begin():  # joins its own unit: not made to wait for itself
                order.append("holder again")
        order.append("holder out")

    async def writer(name: str) -> None:
        async with db.begin():
            order.append(name)

    async def reader() -> None:
        async with db.read() as connection:
            await connection.execute(text("SELECT 1"))
            order.append("reader")

    try:
        held = asyncio.create_task(holder())
        await first_in.wait()
        waiting = [asyncio.create_task(writer("w1")), asyncio.create_task(writer("w2"))]
        await reader()  # a read does not queue behind the writer
        for _ in range(5):
            await asyncio.sleep(0)
        # The waiting writers wait here, holding no connection (not inside SQLite's busy handler).
        assert db.engine.sync_engine.pool.checkedout() == 1  # type: ignore[attr-defined]
        let_go.set()
        await asyncio.gather(held, *waiting)
    finally:
        await db.dispose()
    assert order == ["holder in", "reader", "holder again", "holder out", "w1", "w2"]


def test_mask_url_hides_the_password() -> None:
    assert (
        mask_url("postgresql+asyncpg://bot:s3cret@db:5432/hvr") == "postgresql+asyncpg://bot:***@db:5432/hvr"
    )
