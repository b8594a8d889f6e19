"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out.

    PostgreSQL stores `timestamptz`; SQLite has no time zone type and would hand back naive values, so
    everything is converted to UTC before it is stored (which also keeps SQLite's text comparison of
    timestamps in step with time order).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JsonValue(TypeDecorator[Any]):
    """JSON on SQLite, JSONB on PostgreSQL (indexable, compared by value).

    A decorator rather than `JSON().with_variant(JSONB(), "postgresql")`: the variant needs the JSONB type at
    import, i.e. the whole PostgreSQL dialect (~2 MB resident) in a bot that runs on SQLite. Here the
    dialect is asked for the type when it first compiles a statement, so only PostgreSQL loads it.
    """

    impl = JSON
    cache_ok = True
    # As JSON(none_as_null=False), the variant's type: None is stored as JSON `null`, not SQL NULL.
    should_evaluate_none = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())
