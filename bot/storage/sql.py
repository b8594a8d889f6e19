"""Statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, Text, bindparam, cast
from sqlalchemy.ext.asyncio import AsyncConnection


def dialect_insert(connection: AsyncConnection, table: Table) -> Any:
    """The dialect's own `insert` (with `on_conflict_…` and `excluded`), its module imported only now: the
    PostgreSQL dialect is ~2 MB resident that a bot on SQLite never needs (and is loaded by then on
    PostgreSQL, whose engine uses it)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def insert_ignoring_conflicts(connection: AsyncConnection, table: Table, values: dict[str, Any]) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING`: the database, not a prior SELECT, decides who inserted first.

    Add `.returning(...)` to learn whether this call inserted the row.
    """
    return dialect_insert(connection, table).values(**values).on_conflict_do_nothing()


def insert_many_ignoring_conflicts(connection: AsyncConnection, table: Table) -> Any:
    """`insert_ignoring_conflicts` of many rows: execute it with their list. SQLAlchemy sends them as
    multi-row `INSERT`s in their order ("insertmanyvalues"); with `.returning(...)`, the rows this call
    inserted (in no particular order: tell them apart by their key). The rows given to `.values(rows)`
    instead made a statement of a bound parameter per value to build, and to key for the compiled
    cache, on every call: 200 claims were ~14 ms of the event loop, ~2.5 ms so."""
    return dialect_insert(connection, table).on_conflict_do_nothing()


def encoded_json(connection: AsyncConnection, name: str) -> ColumnElement[Any]:
    """A JSON column's value given as its text, already encoded (bind `name` to it): many rows holding the
    same value (200 digests' blocks, one message) encode it once instead of once a row."""
    text = bindparam(name, type_=Text)
    if connection.dialect.name != "postgresql":
        return text
    from sqlalchemy.dialects.postgresql import JSONB  # loaded by then: the engine's dialect

    return cast(text, JSONB)


def upsert(connection: AsyncConnection, table: Table, values: dict[str, Any], key: list[str]) -> Any:
    """`INSERT … ON CONFLICT (key) DO UPDATE`: set every non-key column to the given value."""
    update = {name: value for name, value in values.items() if name not in key}
    statement = dialect_insert(connection, table).values(**values)
    return statement.on_conflict_do_update(index_elements=key, set_=update)


def upsert_many(connection: AsyncConnection, table: Table, columns: list[str], key: list[str]) -> Any:
    """`upsert` for many rows in one executemany: execute it with a list of dicts naming `columns`.

    The update takes each row's own values (`excluded`), so one compiled statement serves every row
    instead of one statement built and compiled per row.
    """
    statement = dialect_insert(connection, table)
    update = {name: statement.excluded[name] for name in columns if name not in key}
    return statement.on_conflict_do_update(index_elements=key, set_=update)
