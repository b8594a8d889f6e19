"""Connections, groups and snapshots for view tests, built from dicts the way Fivetran sends them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.fivetran.models import Connection, ConnectionDetails, Group, SchemaSettings
from bot.services.pipelines.snapshot import AccountSnapshot

NOW = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)
HOSTILE = "<!channel> <@U123> & *bold* <https://evil.example|click>"


def connection(**fields: Any) -> Connection:
    data: dict[str, Any] = {
        "id": "decidedly_conventional",
        "group_id": "warehouse_id",
        "service": "salesforce",
        "schema": "salesforce_prod",
        "paused": False,
        "schedule_type": "auto",
        "sync_frequency": 360,
        "succeeded_at": (NOW - timedelta(hours=3)).isoformat(),
        "failed_at": None,
        "status": {"setup_state": "connected", "sync_state": "scheduled", "update_state": "on_schedule"},
    }
    status = fields.pop("status", {})
    data.update(fields)
    data["status"] = {**data["status"], **status}
    return ConnectionDetails.model_validate(data)


def group(gid: str = "warehouse_id", name: str = "warehouse") -> Group:
    return Group.model_validate({"id": gid, "name": name})


def snapshot(*connections: Connection, groups: list[Group] | None = None) -> AccountSnapshot:
    found = groups if groups is not None else [group()]
    return AccountSnapshot(
        groups={g.id: g for g in found},
        connections={c.id: c for c in connections},
        fetched_at=NOW - timedelta(minutes=2),
    )


# Each kind overrides the healthy defaults into one health; weights give "mostly healthy".
_KINDS: list[tuple[int, dict[str, Any]]] = [
    (60, {}),
    (5, {"status": {"setup_state": "broken", "tasks": [{"code": "reconnect", "message": "Re-authorize"}]}}),
    (3, {"status": {"setup_state": "incomplete"}}),
    (6, {"failed_at": (NOW - timedelta(hours=1)).isoformat()}),
    (6, {"paused": True, "status": {"sync_state": "paused"}}),
    (4, {"status": {"sync_state": "rescheduled", "rescheduled_for": (NOW + timedelta(hours=2)).isoformat()}}),
    (6, {"status": {"update_state": "delayed"}}),
    (10, {"status": {"sync_state": "syncing"}}),
]


def make_snapshot(n: int, seed: int = 0, *, n_groups: int = 4, name: str | None = None) -> AccountSnapshot:
    """`n` connections spread over `n_groups` groups with a realistic mix of health; `name` overrides
    every connection's name (for hostile-string tests)."""
    rng = random.Random(seed)
    groups = [group(f"group_{g}", f"dest_{g}") for g in range(n_groups)]
    weights = [w for w, _ in _KINDS]
    conns = []
    for i in range(n):
        (kind,) = rng.choices([k for _, k in _KINDS], weights=weights)
        conns.append(
            connection(
                id=f"conn_{i:05d}",
                group_id=groups[i % n_groups].id,
                service=rng.choice(["salesforce", "postgres", "hubspot", "stripe"]),
                schema=name if name is not None else f"source_{i:05d}",
                **{k: dict(v) if isinstance(v, dict) else v for k, v in kind.items()},
            )
        )
    return snapshot(*conns, groups=groups)


def schema_settings(spec: dict[str, dict[str, dict[str, Any]]]) -> SchemaSettings:
    """`{schema: {table: table-config-overrides}}` into a SchemaSettings."""
    return SchemaSettings.model_validate(
        {
            "schemas": {
                s: {
                    "enabled": True,
                    "tables": {
                        t: {"enabled": True, "sync_mode": "SOFT_DELETE", **cfg} for t, cfg in tables.items()
                    },
                }
                for s, tables in spec.items()
            }
        }
    )
