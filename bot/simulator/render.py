"""The simulator's objects as Fivetran's JSON. Field names and nulls follow the real API (reference §6.4)."""

from __future__ import annotations

from random import Random
from typing import Any

from bot.simulator.clock import iso
from bot.simulator.model import Connection, Group, Webhook
from bot.simulator.state import rescheduled_for, sync_state


def group(g: Group) -> dict[str, Any]:
    return {"id": g.id, "name": g.name, "created_at": iso(g.created_at)}


# Fivetran's service name of each warehouse the generated groups are named after
_WAREHOUSE_SERVICES = {"Snowflake": "snowflake", "BigQuery": "big_query", "Redshift": "redshift",
                       "Databricks": "databricks", "Synapse": "azure_sql_data_warehouse",
                       "Postgres": "postgres_warehouse"}  # fmt: skip
_REGIONS = ("GCP_US_EAST4", "AWS_US_EAST_1", "AWS_EU_CENTRAL_1", "AZURE_EASTUS2", "GCP_EUROPE_WEST3")


def destination(g: Group, seed: int) -> dict[str, Any]:
    """The group's destination (same id), its warehouse told by the group's name."""
    rng = Random(f"{seed}:{g.id}:destination")
    warehouse = g.name.split(" ", 1)[0]
    service = _WAREHOUSE_SERVICES.get(warehouse, "snowflake")
    return {
        "id": g.id,
        "group_id": g.id,
        "service": service,
        "region": rng.choice(_REGIONS),
        "time_zone_offset": rng.choice(("0", "-5", "-8", "+1")),
        "setup_status": "CONNECTED",
        "daylight_saving_time_enabled": True,
        "networking_method": "Directly",
        "config": {"database": g.name.lower().replace(" ", "_"), "user": "fivetran", "password": "******"},
    }


def connection(c: Connection) -> dict[str, Any]:
    resched = rescheduled_for(c)
    status: dict[str, Any] = {
        "setup_state": c.setup_state,
        "schema_status": "ready",
        "sync_state": sync_state(c),
        "update_state": c.update_state,
        "is_historical_sync": c.is_historical_sync,
        "tasks": [dict(t) for t in c.tasks],
        "warnings": [dict(w) for w in c.warnings],
    }
    if resched is not None:
        status["rescheduled_for"] = iso(resched)
    return {
        "id": c.id,
        "group_id": c.group_id,
        "service": c.service,
        "service_version": c.service_version,
        "schema": c.schema,
        "connected_by": c.connected_by,
        "created_at": iso(c.created_at),
        "succeeded_at": iso(c.succeeded_at) if c.succeeded_at else None,
        "failed_at": iso(c.failed_at) if c.failed_at else None,
        "paused": c.paused,
        "pause_after_trial": False,
        "sync_frequency": c.sync_frequency,
        "schedule_type": c.schedule_type,
        "daily_sync_time": c.daily_sync_time,
        "data_delay_sensitivity": c.data_delay_sensitivity,
        "data_delay_threshold": c.data_delay_threshold,
        "networking_method": c.networking_method,
        "source_sync_details": {},
        "config": {},
        "status": status,
    }


def setup_tests(c: Connection, seed: int) -> list[dict[str, Any]]:
    """Per-test results that tell the same story as the connection's health."""
    rng = Random(f"{seed}:{c.id}:tests")
    results: list[dict[str, Any]] = [
        {"title": "Connecting to host", "status": "PASSED", "message": ""},
        {"title": "Connecting to SSH tunnel", "status": "SKIPPED", "message": "No SSH tunnel is configured"},
    ]
    if c.setup_state == "broken":
        message = c.tasks[0]["message"] if c.tasks else "The connection is broken"
        results.append({"title": "Validating credentials", "status": "FAILED", "message": message})
    elif c.setup_state == "incomplete":
        results.append(
            {
                "title": "Validating configuration",
                "status": "FAILED",
                "message": "Required field 'host' is empty",
            }
        )
    else:
        results.append({"title": "Validating credentials", "status": "PASSED", "message": ""})
        if rng.random() < 0.2:
            results.append(
                {
                    "title": "Validating permissions",
                    "status": "WARNING",
                    "message": "The user cannot read 2 tables; they will be skipped",
                }
            )
        else:
            results.append({"title": "Validating permissions", "status": "PASSED", "message": ""})
    return results


def webhook(w: Webhook) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": w.id,
        "type": w.type,
        "url": w.url,
        "events": list(w.events),
        "active": w.active,
        "secret": "******",
        "created_at": iso(w.created_at),
        "created_by": w.created_by,
    }
    if w.group_id is not None:
        out["group_id"] = w.group_id
    return out
