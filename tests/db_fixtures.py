"""Database fixtures for any test package: a migrated, empty database on SQLite and on PostgreSQL.

Use them from a conftest with

    from tests.db_fixtures import database, database_url, empty_database_url, postgres_server  # noqa: F401

`database_url` is parametrised over both backends, so every test using it runs twice. PostgreSQL is the
real server on 127.0.0.1:5432 (database `test`, trust auth): started with pg_ctlcluster when it is down,
and a failure to reach it fails the test, never skips it. Each test gets its own database, copied from a
template migrated once per session, and every database this session created is dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

from bot.storage.db import Database
from bot.storage.migrate import upgrade

PG_HOST = os.environ.get("PGHOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PGPORT", "5432"))
PG_ADMIN_DB = "test"
PG_START_TIMEOUT_S = 30.0
BACKENDS = ["sqlite", "postgresql"]

T = TypeVar("T")


def _candidate_users() -> list[str]:
    explicit = os.environ.get("PGUSER")
    return [explicit] if explicit else ["postgres", "root"]


async def _connect(user: str, database: str = PG_ADMIN_DB) -> asyncpg.Connection:
    return await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=user, database=database, timeout=5)


def _start_cluster() -> None:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions:
        raise RuntimeError(f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} and no cluster is installed")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
        check=False,
        capture_output=True,
        timeout=60,
    )


async def _find_user() -> str:
    """The first candidate user that can log in; starts the server if nothing listens."""
    started = False
    deadline = time.monotonic() + PG_START_TIMEOUT_S
    errors: list[str] = []
    while True:
        errors.clear()
        refused = False
        for user in _candidate_users():
            try:
                connection = await _connect(user)
            except (OSError, asyncpg.CannotConnectNowError) as error:
                refused = True
                errors.append(f"{user}: {error}")
                break
            except asyncpg.PostgresError as error:
                errors.append(f"{user}: {error}")
                continue
            await connection.close()
            return user
        if not refused:
            raise RuntimeError(f"PostgreSQL at {PG_HOST}:{PG_PORT} refused every user: {'; '.join(errors)}")
        if not started:
            _start_cluster()
            started = True
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL at {PG_HOST}:{PG_PORT} did not come up: {'; '.join(errors)}")
        await asyncio.sleep(0.1)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine to the end from sync code, even when called while a test's event loop runs.

    Session fixtures are first requested from inside an async fixture (`getfixturevalue`), where
    `asyncio.run` is refused; a thread of its own has no running loop.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class PostgresServer:
    """Creates and drops uniquely named databases, so parallel test runs never share one."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.prefix = f"hvr_test_{uuid.uuid4().hex[:10]}"
        self.created: list[str] = []

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{self.user}@{PG_HOST}:{PG_PORT}/{database}"

    async def create_database(self, *, template: str | None = None) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        connection = await _connect(self.user)
        try:
            suffix = f' TEMPLATE "{template}"' if template else ""
            await connection.execute(f'CREATE DATABASE "{name}"{suffix}')
        finally:
            await connection.close()
        self.created.append(name)
        return name

    async def drop_database(self, name: str) -> None:
        connection = await _connect(self.user)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    async def drop_all(self) -> None:
        for name in reversed(self.created):
            await self.drop_database(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(_run(_find_user()))
    yield server
    _run(server.drop_all())


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    """A database migrated to head once per session; each test copies it."""

    async def make() -> str:
        name = await postgres_server.create_database()
        await upgrade(postgres_server.url(name))
        return name

    return _run(make())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


async def _postgres_copy(request: pytest.FixtureRequest, *, migrated: bool) -> AsyncIterator[str]:
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template") if migrated else None
    name = await server.create_database(template=template)
    yield server.url(name)
    await server.drop_database(name)


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """URL of a migrated, empty database of its own, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "bot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    async for url in _postgres_copy(request, migrated=True):
        yield url


@pytest.fixture(params=BACKENDS)
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """URL of a database with no tables at all, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty' / 'bot.db'}"
        return
    async for url in _postgres_copy(request, migrated=False):
        yield url


@pytest.fixture
async def postgres_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A migrated PostgreSQL database only, for what SQLite cannot show (concurrent writers)."""
    async for url in _postgres_copy(request, migrated=True):
        yield url


@pytest.fixture
async def empty_postgres_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """An empty PostgreSQL database only: what a shared server looks like before `hvr-bot db upgrade`."""
    async for url in _postgres_copy(request, migrated=False):
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()
