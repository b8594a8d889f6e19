from __future__ import annotations

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


def test_mask_url_hides_the_password() -> None:
    assert (
        mask_url("postgresql+asyncpg://bot:s3cret@db:5432/hvr") == "postgresql+asyncpg://bot:***@db:5432/hvr"
    )
