"""Alembic environment for hvr-bot.

`bot.storage.migrate` runs Alembic on a connection it already opened with the async engine (through
`AsyncConnection.run_sync`) and hands it over in `config.attributes["connection"]`. Run stand-alone
(`alembic -c ...`), this file opens its own async engine from `sqlalchemy.url` or DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.tables import metadata, postgresql_options

config = context.config


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        postgresql_options()
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"],
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _offline()
else:
    shared = config.attributes.get("connection")
    if shared is not None:
        _run(shared)
    else:
        asyncio.run(_run_standalone(config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]))
