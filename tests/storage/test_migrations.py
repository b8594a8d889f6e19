from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.storage import migrate
from bot.storage.db import Database
from bot.storage.migrate import (
    HEAD_REVISION,
    DatabaseVanished,
    SchemaBehind,
    current_revision,
    ensure_schema,
    head_revision,
    marker_path,
    upgrade,
)
from bot.storage.tables import metadata, postgresql_options

ROOT = Path(migrate.__file__).resolve().parents[2]  # this checkout, first on the child's path

EXPECTED_TABLES = {
    "subscriptions",
    "change_counters",
    "fire_claims",
    "digest_state",
    "audit_entries",
    "access_grants",
    "watch_state",
    "event_claims",
    "alert_messages",
    "action_dedupe",
    "bulk_runs",
    "bulk_items",
    "followed_syncs",
    "resync_approvals",
    "seen_signatures",
}


async def _tables(url: str) -> set[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await db.dispose()


async def test_upgrade_from_empty_creates_every_table_and_reaches_head(empty_database_url: str) -> None:
    assert await current_revision(empty_database_url) is None

    await upgrade(empty_database_url)

    assert await current_revision(empty_database_url) == head_revision()
    assert await _tables(empty_database_url) >= EXPECTED_TABLES


async def test_upgrade_twice_is_harmless(empty_database_url: str) -> None:
    await upgrade(empty_database_url)
    await upgrade(empty_database_url)
    assert await current_revision(empty_database_url) == head_revision()


async def test_ensure_schema_accepts_a_current_database(database_url: str) -> None:
    await ensure_schema(database_url, auto_upgrade=False)


async def test_ensure_schema_upgrades_when_allowed(empty_database_url: str) -> None:
    await ensure_schema(empty_database_url, auto_upgrade=True)
    assert await current_revision(empty_database_url) == head_revision()


async def test_ensure_schema_refuses_a_behind_postgresql_schema_saying_what_to_run(
    empty_postgres_url: str,
) -> None:
    with pytest.raises(SchemaBehind) as caught:
        await ensure_schema(empty_postgres_url, auto_upgrade=False)
    message = str(caught.value)
    assert "hvr-bot db upgrade" in message
    assert "DATABASE_URL" in message
    assert head_revision() in message
    assert await current_revision(empty_postgres_url) is None


def test_run_upgrade_migrates_a_fresh_sqlite_file_and_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nested" / "dir" / "bot.db"
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")

    assert migrate.run_upgrade() == 0

    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "upgraded from an empty schema to" in out[0]
    assert path.exists()

    assert migrate.run_upgrade() == 0
    assert "already at the newest schema" in capsys.readouterr().out


def test_run_upgrade_names_the_unreachable_host_and_masks_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    # Port 1 on loopback: nothing listens, so the connection is refused at once.
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://bot:s3cret@127.0.0.1:1/hvr")

    assert migrate.run_upgrade() == 1

    captured = capsys.readouterr()
    assert "127.0.0.1:1" in captured.err
    assert "s3cret" not in captured.err + captured.out
    assert "Check that the server is running" in captured.err


def test_run_upgrade_reports_configuration_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HVR_TIMEZONE", "Mars/Olympus")
    assert migrate.run_upgrade() == 1
    assert "HVR_TIMEZONE" in capsys.readouterr().err


def test_migrations_are_found_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    versions = Path(migrate.__file__).parent / "migrations" / "versions"
    newest = max(p.name for p in versions.glob("[0-9]*.py"))
    assert head_revision() == newest.split("_", 1)[0]


async def test_ensure_schema_refuses_a_sqlite_file_that_existed_and_vanished_and_does_not_recreate_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{path}"
    await ensure_schema(url, auto_upgrade=True)  # the first start: creates the file and its marker
    path.unlink()

    with pytest.raises(DatabaseVanished) as refused:
        await ensure_schema(url, auto_upgrade=True)

    assert str(path) in str(refused.value) and "`hvr-bot db upgrade`" in str(refused.value)
    assert not path.exists()


async def test_ensure_schema_marks_an_existing_install_that_predates_the_marker(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    marker_path(path).unlink()  # as an install made by an hvr-bot without markers

    await ensure_schema(url, auto_upgrade=True)
    path.unlink()

    with pytest.raises(DatabaseVanished):
        await ensure_schema(url, auto_upgrade=True)


async def test_a_fresh_install_without_a_marker_starts_with_a_new_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/data/bot.db"

    await ensure_schema(url, auto_upgrade=True)

    assert await current_revision(url) == head_revision()


def test_run_upgrade_creates_a_new_database_on_purpose_after_one_vanished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bot.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    assert migrate.run_upgrade() == 0
    path.unlink()

    assert migrate.run_upgrade() == 0

    assert "upgraded from an empty schema" in capsys.readouterr().out
    assert path.exists()


def _schema_differences(connection: Connection) -> list[Any]:
    if connection.dialect.name == "postgresql":
        postgresql_options()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_the_migrated_schema_is_the_one_the_repositories_query(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.engine.connect() as connection:
            assert await connection.run_sync(_schema_differences) == []
    finally:
        await db.dispose()


def test_the_revision_serve_checks_without_alembic_is_the_newest_script() -> None:
    assert head_revision() == HEAD_REVISION


def test_a_current_database_is_accepted_without_importing_alembic(database_url: str) -> None:
    script = (
        "import asyncio, sys\n"
        "from bot.storage.migrate import ensure_schema\n"
        f"asyncio.run(ensure_schema({database_url!r}, auto_upgrade=False))\n"
        "print(sorted(m for m in sys.modules if m == 'alembic' or m.startswith('alembic.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"
