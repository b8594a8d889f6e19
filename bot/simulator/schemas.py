"""Schema configs (`GET /v1/connections/{id}/schemas`), generated on first use from the connection id.

Databases get several source schemas of generic tables; app connectors get one schema of that app's
tables (keyed `salesforce` or `netsuite` where Fivetran does so, else the connection name). The first
schema always holds a system table whose `enabled` cannot be patched. Names are case-sensitive: a wrong
case is a 404, as on Fivetran.
"""

from __future__ import annotations

from random import Random
from typing import Any

from bot.simulator.columns import build_columns
from bot.simulator.errors import ApiError, invalid
from bot.simulator.model import Connection
from bot.simulator.names import DB_SCHEMAS, GENERIC_DB_TABLES, SERVICES, SYSTEM_TABLES

_BY_NAME = {s.name: s for s in SERVICES}


def _table(rng: Random, name_in_destination: str, *, system: bool = False) -> dict[str, Any]:
    patch: dict[str, Any] = {"allowed": True}
    if system:
        patch = {"allowed": False, "reason_code": "SYSTEM_TABLE"}
    roll = rng.random()
    return {
        "name_in_destination": name_in_destination,
        "enabled": True if system else rng.random() < 0.9,
        "sync_mode": "HISTORY" if roll < 0.15 else "LIVE" if roll < 0.2 else "SOFT_DELETE",
        "columns": {},
        "enabled_patch_settings": patch,
        "supports_columns_config": True,
        "supports_history_mode": not system,
    }


def build_schema_config(conn: Connection, seed: int) -> dict[str, Any]:
    rng = Random(f"{seed}:{conn.id}:schemas")
    service = _BY_NAME.get(conn.service)
    schemas: dict[str, Any] = {}
    if service is None or service.database:
        for i, source in enumerate(rng.sample(DB_SCHEMAS, rng.randint(2, 4))):
            names = rng.sample(GENERIC_DB_TABLES, rng.randint(4, 9))
            tables = {t: _table(rng, t) for t in names}
            if i == 0:
                tables[SYSTEM_TABLES[0]] = _table(rng, SYSTEM_TABLES[0], system=True)
            schemas[source] = {
                "name_in_destination": f"{conn.schema}_{source}",
                "enabled": True,
                "tables": tables,
            }
    else:
        key = service.schema_key or conn.schema
        tables = {t: _table(rng, t) for t in service.tables}
        system = SYSTEM_TABLES[1] if service.name == "salesforce" else SYSTEM_TABLES[0]
        tables[system] = _table(rng, system, system=True)
        schemas[key] = {"name_in_destination": conn.schema, "enabled": True, "tables": tables}
    return {"enable_new_by_default": True, "schema_change_handling": "ALLOW_ALL", "schemas": schemas}


def supports_table_resync(conn: Connection) -> bool:
    """Table-level re-sync (`scope`) is a database-connector feature."""
    service = _BY_NAME.get(conn.service)
    return service is None or service.database


def find_table(config: dict[str, Any], schema: str, table: str) -> dict[str, Any]:
    if schema not in config["schemas"]:
        raise ApiError(404, "NotFound_Schema", f"Schema '{schema}' doesn't exist")
    tables: dict[str, Any] = config["schemas"][schema]["tables"]
    if table not in tables:
        raise ApiError(404, "NotFound_Table", f"Table '{schema}.{table}' doesn't exist")
    found: dict[str, Any] = tables[table]
    return found


def patch_table(config: dict[str, Any], schema: str, table: str, body: dict[str, Any]) -> None:
    found = find_table(config, schema, table)
    if not isinstance(body.get("enabled"), bool):
        raise invalid("Field 'enabled' is required and must be a boolean")
    settings = found["enabled_patch_settings"]
    if not settings["allowed"]:
        reason = settings.get("reason_code", "OTHER")
        raise invalid(f"Table '{schema}.{table}' cannot be enabled or disabled ({reason})")
    found["enabled"] = body["enabled"]
    if body.get("sync_mode") in ("SOFT_DELETE", "HISTORY", "LIVE"):
        found["sync_mode"] = body["sync_mode"]


def source_columns(
    conn: Connection, seed: int, config: dict[str, Any], schema: str, table: str
) -> dict[str, Any]:
    """Every column of the table as the source has it (built on first use, then kept: changes stick)."""
    find_table(config, schema, table)
    key = (schema, table)
    if key not in conn.source_columns:
        conn.source_columns[key] = build_columns(seed, conn.id, schema, table)
    return conn.source_columns[key]
