from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.fivetran import FivetranClient
from bot.fivetran.budget import RequestBudget
from bot.fivetran.retry import RetryPolicy
from bot.fivetran.transport import RequestEvent, Transport
from tests.fakes import FakeClock, FakeSleep

BASE = "https://api.fivetran.test"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleep(clock: FakeClock) -> FakeSleep:
    """Backoff and budget waits are recorded and move `clock` instead of taking time."""
    return FakeSleep(clock)


@pytest.fixture
def events() -> list[RequestEvent]:
    return []


@pytest.fixture
async def client(
    clock: FakeClock, sleep: FakeSleep, events: list[RequestEvent]
) -> AsyncIterator[FivetranClient]:
    async with httpx.AsyncClient() as http:
        transport = Transport(
            http,
            api_key="key123",
            api_secret="sekrit-value",
            base_url=BASE,
            retry=RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=4.0),
            budget=RequestBudget(20_000, clock=clock.timestamp, sleep=sleep),
            sleep=sleep,
            clock=clock.timestamp,
        )
        transport.add_listener(events.append)
        yield FivetranClient(transport)


def ok(data: object = None, message: str = "Operation performed.") -> dict[str, object]:
    body: dict[str, object] = {"code": "Success", "message": message}
    if data is not None:
        body["data"] = data
    return body


def connection(id: str = "decidedly_conventional", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": id,
        "group_id": "projected_sickle",
        "service": "salesforce",
        "schema": "salesforce_prod",
        "paused": False,
        "schedule_type": "auto",
        "sync_frequency": 360,
        "daily_sync_time": None,
        "succeeded_at": "2026-11-23T10:00:00.000Z",
        "failed_at": None,
        "created_at": "2025-01-01T00:00:00Z",
        "connected_by": None,
        "status": {
            "setup_state": "connected",
            "sync_state": "scheduled",
            "update_state": "on_schedule",
            "is_historical_sync": False,
            "tasks": [],
            "warnings": [],
        },
    }
    body.update(extra)
    return body


def schema_config(columns: dict[str, object] | None = None) -> dict[str, object]:
    """A schema config as the official definition documents it (every required field): one schema,
    `public`, with one table, `orders`, whose config lists `columns`."""
    return {
        "enable_new_by_default": True,
        "schema_change_handling": "ALLOW_COLUMNS",
        "schemas": {
            "public": {
                "name_in_destination": "public",
                "enabled": True,
                "tables": {
                    "orders": {
                        "name_in_destination": "orders",
                        "enabled": True,
                        "sync_mode": "SOFT_DELETE",
                        "supports_columns_config": True,
                        "supports_history_mode": False,
                        "enabled_patch_settings": {"allowed": True},
                        "columns": columns or {},
                    }
                },
            }
        },
    }
