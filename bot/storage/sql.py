"""Statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, Text, bindparam, cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_ignoring_conflicts(connection: AsyncConnection, table: Table, values: dict[str, Any]) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING`: the database, not a prior SELECT, decides who inserted first.

    Add `.returning(...)` to learn whether this call inserted the row.
    """
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).values(**values).on_conflict_do_nothing()
    return sqlite.insert(table).values(**values).on_conflict_do_nothing()


def insert_many_ignoring_conflicts(
    connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]
) -> Any:
    """`insert_ignoring_conflicts` of many rows in one multi-row `INSERT`: with `.returning(...)`, the rows
    this call inserted (in no particular order: tell them apart by their key)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).values(rows).on_conflict_do_nothing()


def encoded_json(connection: AsyncConnection, name: str) -> ColumnElement[Any]:
    """A JSON column's value given as its text, already encoded (bind `name` to it): many rows holding the
    same value (200 digests' blocks, one message) encode it once instead of once a row."""
    text = bindparam(name, type_=Text)
    return cast(text, postgresql.JSONB) if connection.dialect.name == "postgresql" else text


def upsert(connection: AsyncConnection, table: Table, values: dict[str, Any], key: list[str]) -> Any:
    """`INSERT … ON CONFLICT (key) DO UPDATE`: set every non-key column to the given value."""
    update = {name: value for name, value in values.items() if name not in key}
    if connection.dialect.name == "postgresql":
        pg = postgresql.insert(table).values(**values)
        return pg.on_conflict_do_update(index_elements=key, set_=update)
    lite = sqlite.insert(table).values(**values)
    return lite.on_conflict_do_update(index_elements=key, set_=update)


def upsert_many(connection: AsyncConnection, table: Table, columns: list[str], key: list[str]) -> Any:
    """`upsert` for many rows in one executemany: execute it with a list of dicts naming `columns`.

    The update takes each row's own values (`excluded`), so one compiled statement serves every row
    instead of one statement built and compiled per row.
    """
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    update = {name: statement.excluded[name] for name in columns if name not in key}
    return statement.on_conflict_do_update(index_elements=key, set_=update)
