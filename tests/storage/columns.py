"""The source columns as the database holds them, read past the repositories (which do not return them)."""

from __future__ import annotations

from sqlalchemy import Table, select

from bot.storage.db import Database
from bot.storage.tables import audit_entries


async def stored_sources(database: Database, table: Table) -> dict[str, str]:
    """connection_id -> the `source` column, as the database has them."""
    async with database.begin() as connection:
        rows = (await connection.execute(select(table.c.connection_id, table.c.source))).all()
    return {row.connection_id: row.source for row in rows}


async def stored_pipeline_sources(database: Database) -> dict[int, list[str]]:
    async with database.begin() as connection:
        rows = (await connection.execute(select(audit_entries.c.id, audit_entries.c.pipeline_sources))).all()
    return {row.id: list(row.pipeline_sources) for row in rows}
