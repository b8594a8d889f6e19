"""Schema migrations: Alembic, configured in code, run on the bot's own async engine.

There is no alembic.ini: the script location is this package's `migrations/` directory, found through
`__file__`, so migrations work from any working directory and from a non-editable install.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.storage.db import Database, is_sqlite, mask_url, sqlite_file

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (and Mako under it, ~10 MB) is imported only when a migration must run or the scripts must be
# read: `serve` on a current database compares the stored revision with this one and goes on.
# tests/storage/test_migrations.py holds it equal to the newest script's revision.
HEAD_REVISION = "0011"

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MARKER_SUFFIX = ".hvr-bot-marker"


class SchemaError(Exception):
    """The database schema does not match this version of hvr-bot."""


class SchemaBehind(SchemaError):
    """The database needs `hvr-bot db upgrade` before the bot can use it."""


class SchemaUnknown(SchemaError):
    """The database was migrated by a newer hvr-bot than this one."""


class DatabaseVanished(SchemaError):
    """The SQLite file hvr-bot created (its marker says so) is gone: starting would silently begin empty."""


def marker_path(database: Path) -> Path:
    """Beside the database: it survives the file's deletion, and goes with the directory if that goes."""
    return database.with_name(database.name + MARKER_SUFFIX)


def mark_database(url: str) -> None:
    """Records that this SQLite file holds hvr-bot's data, so that its disappearance is noticed."""
    path = sqlite_file(url)
    if path is None:
        return
    marker = marker_path(path.expanduser())
    if marker.exists():
        return
    try:
        marker.write_text(
            f"hvr-bot keeps its database in {path.expanduser().resolve()} (schema created or first seen "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC).\nIf that file is gone, `hvr-bot serve` refuses to "
            "start; `hvr-bot db upgrade` creates a new, empty database on purpose.\n",
            encoding="utf-8",
        )
    except OSError as error:
        # A safety net, not a reason to refuse: /readyz reports a database that cannot be written.
        log.warning("could not write the database marker %s: %s", marker, type(error).__name__)


def refuse_vanished(url: str) -> None:
    """Raises DatabaseVanished when a SQLite file hvr-bot used is gone (its marker is still there)."""
    path = sqlite_file(url)
    if path is None or path.expanduser().exists() or not marker_path(path.expanduser()).exists():
        return
    raise DatabaseVanished(
        f"The SQLite database {path} is gone, but hvr-bot kept its data there (see "
        f"{marker_path(path).name} beside it). Starting now would silently begin with an empty database: "
        "no audit log, watches, digests or access grants. Restore the file from a backup, or run "
        "`hvr-bot db upgrade` to create a new, empty database on purpose."
    )


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    # ConfigParser interpolation treats % specially; a path may contain one.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships its migrations
        raise SchemaError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _current(connection: Connection) -> str | None:
    # What Alembic's MigrationContext.get_current_revision reads, without importing Alembic.
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
    if len(versions) > 1:  # several heads: Alembic says what that means
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()
    return versions[0] if versions else None


def _upgrade(connection: Connection) -> None:
    from alembic import command

    config = alembic_config()
    # env.py runs the migrations on this connection instead of opening its own engine; Alembic's API is
    # synchronous, and run_sync gives it a sync facade over the async connection.
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def current_revision(url: str) -> str | None:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(_current)
    finally:
        await database.dispose()


async def upgrade(url: str) -> None:
    """Brings the schema to the newest revision; does nothing when it is there already."""
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_upgrade)
    finally:
        await database.dispose()
    mark_database(url)


async def ensure_schema(url: str, *, auto_upgrade: bool) -> None:
    """Makes sure the schema is current, upgrading when allowed (the embedded SQLite) or refusing.

    A shared PostgreSQL is never migrated behind an operator's back by whichever replica starts first.
    A SQLite file that existed and vanished is never replaced by an empty one (see `refuse_vanished`).
    """
    refuse_vanished(url)  # before connecting: connecting creates the file
    current = await current_revision(url)
    head = HEAD_REVISION if current == HEAD_REVISION else head_revision()
    if current == head:
        if auto_upgrade:
            mark_database(url)  # an install older than the marker gets one
        return
    if current is not None and current not in _known_revisions():
        raise SchemaUnknown(
            f"The database at {mask_url(url)} is at schema revision {current}, which this version of "
            "hvr-bot does not know: it was upgraded by a newer hvr-bot. Run that version, or restore "
            "a backup."
        )
    if auto_upgrade:
        await upgrade(url)
        return
    raise SchemaBehind(
        f"The database at {mask_url(url)} is at schema revision {current or 'none (empty)'}, but this "
        f"version of hvr-bot needs {head}. Run `hvr-bot db upgrade` with DATABASE_URL set to this "
        "database, then start the bot again."
    )


def _describe_failure(url: str, error: BaseException) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if is_sqlite(url):
        return (
            f"Could not open the SQLite database {parsed.database!r} ({error}). Check that its directory "
            "exists or can be created, and that this user may write to it."
        )
    host = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return (
        f"Could not reach the database at {host} ({mask_url(url)}): {error}. Check that the server is "
        f"running and accepts connections from this machine, that database {parsed.database!r} exists, "
        "and that the user name and password in DATABASE_URL are right."
    )


def run_upgrade() -> int:
    """`hvr-bot db upgrade`: one line on success, a plain error and exit status 1 on failure."""
    from bot.config import ConfigurationError, load_settings

    try:
        url = load_settings().database_url
    except ConfigurationError as error:
        print("hvr-bot: the configuration is not valid:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1

    async def _run() -> tuple[str | None, str]:
        before = await current_revision(url)
        await upgrade(url)
        return before, head_revision()

    try:
        before, head = asyncio.run(_run())
    except (OSError, SQLAlchemyError, TimeoutError) as error:
        print(f"hvr-bot: {_describe_failure(url, error)}", file=sys.stderr)
        return 1
    if before == head:
        print(f"Database {mask_url(url)} is already at the newest schema ({head}).")
    else:
        print(f"Database {mask_url(url)} upgraded from {before or 'an empty schema'} to {head}.")
    return 0
