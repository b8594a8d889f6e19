"""Column config: every column of a table as the source has it (`GET …/tables/{table}/columns`), and the
columns a person changed (`PATCH …/columns/{column}`), which the schema config then shows.

Generated on first use from the connection, schema and table, like the schema config. Each table has a
primary key (`id`, or `<table>_id` for a link table); a primary key cannot be excluded (Fivetran needs it
to merge rows), so its `enabled_patch_settings` say so, and `is_primary_key` is the source's to say: a
PATCH cannot change it. Hashing is allowed on every column.
"""

from __future__ import annotations

from random import Random
from typing import Any

from bot.simulator.errors import ApiError, invalid

_COMMON = ("created_at", "updated_at")
_OPTIONAL = ("name", "email", "status", "amount", "currency", "country", "phone", "owner_id", "notes",
             "is_deleted", "external_ref", "description", "category", "quantity", "region")  # fmt: skip
PK_REASON = "Primary key columns are always synced"


def _column(name: str, *, primary_key: bool, hashed: bool = False) -> dict[str, Any]:
    settings: dict[str, Any] = {"allowed": True}
    if primary_key:
        settings = {"allowed": False, "reason_code": "OTHER", "reason": PK_REASON}
    return {
        "name_in_destination": name,
        "enabled": True,
        "hashed": hashed,
        "is_primary_key": primary_key,
        "enabled_patch_settings": settings,
    }


def build_columns(seed: int, connection_id: str, schema: str, table: str) -> dict[str, Any]:
    rng = Random(f"{seed}:{connection_id}:{schema}.{table}:columns")
    key = f"{table.rstrip('s')}_id" if "_" in table and rng.random() < 0.3 else "id"
    names = [*_COMMON, *rng.sample(_OPTIONAL, rng.randint(2, 7))]
    columns = {key: _column(key, primary_key=True)}
    for name in names:
        columns[name] = _column(name, primary_key=False)
    return columns


def _body_flags(body: dict[str, Any], current: dict[str, Any]) -> tuple[bool, bool]:
    enabled, hashed = body.get("enabled"), body.get("hashed", current["hashed"])
    if not isinstance(enabled, bool):
        raise invalid("Field 'enabled' is required and must be a boolean")
    if not isinstance(hashed, bool):
        raise invalid("Field 'hashed' must be a boolean")
    primary_key = body.get("is_primary_key", current["is_primary_key"])
    if primary_key != current["is_primary_key"]:
        raise invalid("Field 'is_primary_key' is read-only: the source decides a table's primary key")
    return enabled, hashed


def patch_column(
    source: dict[str, Any], shown: dict[str, Any], name: str, body: dict[str, Any], where: str
) -> None:
    """Apply a column PATCH to the source's column (`source[name]`) and show it in the schema config's
    table columns (`shown`), which hold only the columns a person changed."""
    if name not in source:
        raise ApiError(404, "NotFound_Column", f"Column '{where}.{name}' doesn't exist")
    column = source[name]
    enabled, hashed = _body_flags(body, column)
    settings = column["enabled_patch_settings"]
    if enabled != column["enabled"] and not settings["allowed"]:
        reason = settings.get("reason") or settings.get("reason_code", "OTHER")
        raise invalid(f"Column '{where}.{name}' cannot be enabled or disabled: {reason}")
    column["enabled"], column["hashed"] = enabled, hashed
    shown[name] = dict(column, enabled_patch_settings=dict(settings))
