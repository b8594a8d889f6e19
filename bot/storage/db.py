"""One async engine per process, configured for the two databases the bot supports."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from bot.storage.tables import postgresql_options

# Several asyncio tasks (scheduler, watcher, request handlers) write at once; SQLite serialises writers,
# so a writer waits this long for the lock instead of failing at once with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_ONLY = "hvr_read_only"
SQLITE_POOL_SIZE = 16  # execution option of `Database.read`'s transactions


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def mask_url(url: str | URL) -> str:
    """The URL as it may be printed or logged: the password replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


class DatabaseFileMissing(FileNotFoundError):
    """The SQLite file is no longer at its path; open connections still write to the orphaned inode."""


def is_read_only_error(error: BaseException) -> bool:
    """SQLite's SQLITE_READONLY or PostgreSQL's read_only_sql_transaction (25006), however wrapped."""
    orig = getattr(error, "orig", None) or error
    return getattr(orig, "sqlstate", None) == "25006" or "readonly database" in str(orig)


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite URL; None for another database, an in-memory one or a `file:` URI."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        return None
    return _sqlite_file(url)


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _in_memory(url: URL) -> bool:
    # A `file:` URI names a file (opened, say, read-only) unless it asks for memory: only a memory
    # database must share its one connection; a file shared so would serialise every task on it.
    database = url.database or ""
    return database in ("", ":memory:") or url.query.get("mode") == "memory"


class Database:
    """The engine and the ways to open a transaction on it."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        options: dict[str, Any] = {"echo": echo}
        self.path = _sqlite_file(self.url) if self.is_sqlite else None
        if self.is_sqlite:
            path = self.path
            if path is not None:
                path.expanduser().parent.mkdir(parents=True, exist_ok=True)
                # Connections kept open rather than closed on return: the default pool keeps 5, and a
                # digest fire or a delivery pass uses more at once, so every overflow connection was a
                # new aiosqlite thread, a file opened and three PRAGMAs (~80 in one 200-digest fire).
                options["pool_size"] = SQLITE_POOL_SIZE
                options["max_overflow"] = SQLITE_POOL_SIZE
            elif _in_memory(self.url):
                # An in-memory database lives as long as its one connection: share it.
                options["poolclass"] = StaticPool
            options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            # Replicas outlive database restarts and idle connections cut by proxies.
            options["pool_pre_ping"] = True
            postgresql_options()
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        # The same pool; its transactions are marked so that `_on_begin` does not take the write lock.
        self._reader: AsyncEngine = self.engine.execution_options(**{READ_ONLY: True})
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )
        # SQLite's one writer, taken in this process before its BEGIN IMMEDIATE (see `_writing`).
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        self._writer: asyncio.Task[Any] | None = None
        # The transaction a `unit()` opened in this task, which every `begin()` inside it joins.
        self._unit: ContextVar[AsyncConnection | None] = ContextVar(f"db-unit-{id(self)}", default=None)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._writing(), self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """On SQLite, this process's writers one at a time, in the order they came.

        SQLite lets one writer in; the others' BEGIN IMMEDIATE waits in its busy handler, which sleeps
        and retries with sleeps growing to 100 ms. With a digest fire's 16 lanes, the deliverer and the
        claims all writing, most of a write's time was those sleeps (a 200-digest fire took 4.4 s to
        write, deliveries waited up to 2 s). Waiting here instead hands the lock over the moment it is
        free. A task already writing (a nested `begin`) is not made to wait for itself.
        """
        lock = self._write_lock
        task = asyncio.current_task()
        if lock is None or self._writer is task:
            yield
            return
        try:
            async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_MS / 1000):
                await lock.acquire()
        except TimeoutError:
            locked = sqlite3.OperationalError("database is locked")
            raise OperationalError("BEGIN IMMEDIATE", None, locked) from None
        self._writer = task
        try:
            yield
        finally:
            self._writer = None
            lock.release()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction: committed on exit, rolled back on error. Inside a
        `unit()`, the unit's transaction (committed when the unit ends)."""
        joined = self._unit.get()
        if joined is not None:
            yield joined
            return
        async with self._writing(), self.engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside a transaction that only reads: on SQLite a deferred one, which does not
        take the write lock (WAL readers see the last commit while a writer works), so a big read never
        queues the writers behind it and never waits for them."""
        async with self._reader.begin() as connection:
            yield connection

    def in_unit(self) -> bool:
        """Whether a `begin()` now would join this task's `unit()`, i.e. commit only when the unit does."""
        return self._unit.get() is not None

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[None]:
        """One transaction for every repository call made inside it by this task: what a state change
        owes (an outbox row) commits with the change or not at all. Keep it short and free of network
        calls (SQLite holds its write lock throughout), and start no task inside that writes."""
        if self._unit.get() is not None:
            yield
            return
        async with self._writing(), self.engine.begin() as connection:
            token = self._unit.set(connection)
            try:
                yield
            finally:
                self._unit.reset(token)

    async def ping(self) -> None:
        """Raises (an `sqlalchemy.exc.OperationalError`/`OSError`) when the database cannot be reached."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def check_writable(self) -> None:
        """Raises unless the database takes a write: a write that changes nothing, rolled back.

        A read-only SQLite file still answers reads (and even BEGIN IMMEDIATE), and a deleted one keeps
        working through the connections opened before: neither `SELECT 1` nor the pool notices.
        """
        if self.path is not None and not self.path.expanduser().exists():
            raise DatabaseFileMissing(str(self.path))
        async with self.engine.connect() as connection:
            transaction = await connection.begin()
            try:
                await connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                await transaction.rollback()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers run while one task writes; foreign keys are off by default in SQLite.
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the process loses
        # nothing and the file cannot be corrupted; only an OS crash or power cut may undo the last
        # commits. FULL made every commit an fsync (~5 ms here), and a 200-digest fire is ~1,000 commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails with SQLITE_BUSY (no waiting) when
        # another writer committed in between; taking the write lock up front makes it wait instead.
        # One that only reads (`Database.read`) needs no lock and must not wait for one.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
