"""Moving a test database to one schema revision, up or down, the way `migrate.upgrade` runs Alembic.

For migration tests that write rows as an older revision left them and read them after the next one.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from bot.storage.db import Database
from bot.storage.migrate import alembic_config


async def _run(url: str, step: Callable[[Config], None]) -> None:
    database = Database(url)
    try:
        async with database.engine.begin() as connection:

            def run(sync: Connection) -> None:
                config = alembic_config()
                config.attributes["connection"] = sync
                step(config)

            await connection.run_sync(run)
    finally:
        await database.dispose()


async def upgrade_to(url: str, revision: str) -> None:
    await _run(url, lambda config: command.upgrade(config, revision))


async def downgrade_to(url: str, revision: str) -> None:
    await _run(url, lambda config: command.downgrade(config, revision))
