"""Rows into the frozen dataclasses the repositories return."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import Row

T = TypeVar("T")


def record(cls: type[T], row: Row[Any]) -> T:
    """`cls` from the row's columns of the same names; the others (such as `source`, which the key in
    `connection_id` says to every caller) stay in the database."""
    values = row._mapping
    return cls(**{f.name: values[f.name] for f in fields(cls)})  # type: ignore[arg-type]
