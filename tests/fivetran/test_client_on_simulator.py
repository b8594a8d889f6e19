"""The client performs every operation against the simulator, and every request it sends, and every
answer it gets, validates against the official OpenAPI definition (patched for its known defects)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.fivetran import FivetranClient
from bot.fivetran.transport import Transport
from bot.simulator import ManualClock, Simulator, build_app
from bot.simulator.schemas import supports_table_resync
from tests.openapi_spec import validate_request, validate_response
from tests.simulator.aliases import watched


class SpecCheckingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the simulator and checks both directions against the spec."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.operations: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        query = dict(request.url.params)
        validate_request(request.method, request.url.path, body, query or None)
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        validate_response(request.method, request.url.path, response.status_code, json.loads(content))
        self.operations.append((request.method, request.url.path))
        return httpx.Response(response.status_code, headers=response.headers, content=content)


@pytest.fixture
async def setup() -> AsyncIterator[tuple[FivetranClient, Simulator, SpecCheckingTransport]]:
    sim = watched(Simulator(seed=3, groups=5, connections=5_000, clock=ManualClock()))
    checking = SpecCheckingTransport(httpx.ASGITransport(app=build_app(sim)))
    async with httpx.AsyncClient(transport=checking) as http:
        client = FivetranClient(
            Transport(http, api_key="demo", api_secret="demo", base_url="http://simulator")
        )
        yield client, sim, checking


async def test_every_operation_conforms_to_the_spec_and_pages_through_5000_connections(
    setup: tuple[FivetranClient, Simulator, SpecCheckingTransport],
) -> None:
    client, sim, checking = setup
    assert (await client.account_info()).account_id

    groups = await client.list_groups()
    assert len(groups) == 5
    assert (await client.get_group(groups[0].id)).id == groups[0].id

    everything = await client.list_connections()
    assert len(everything) == 5_000 and len({c.id for c in everything}) == 5_000
    assert sum(1 for m, p in checking.operations if p == "/v1/connections") == 5  # 1,000 a page
    of_group = await client.list_connections(groups[0].id)
    assert of_group and all(c.group_id == groups[0].id for c in of_group)

    ready = [c for c in everything if c.status.setup_state == "connected" and not c.paused]
    # Fivetran re-syncs single tables only of database connectors; the simulator says which those are
    table_level = [c for c in ready if supports_table_resync(sim.connections[c.id])]
    target, scoped = table_level[:2]
    historical, synced = [c for c in ready if c not in (target, scoped)][:2]
    assert (await client.get_connection(target.id)).id == target.id
    assert (await client.pause(target.id)).paused is True
    assert (await client.resume(target.id)).paused is False
    assert (await client.update_connection(target.id, {"sync_frequency": 360})).sync_frequency == 360
    tested = await client.run_setup_tests(target.id)
    assert tested.setup_tests

    schemas = await client.get_schemas(target.id)
    schema, config = next(iter(schemas.schemas.items()))
    table = next(t for t, c in config.tables.items() if c.enabled_patch_settings.allowed)
    switched = await client.set_table_enabled(target.id, schema, table, False)
    assert switched.schemas[schema].tables[table].enabled is False
    assert (await client.reload_schemas(target.id)).schemas
    assert await client.resync_tables(target.id, {schema: [table]})
    assert sim.connections[target.id].run is not None  # the table re-sync runs

    other_schema, other_config = next(iter((await client.get_schemas(scoped.id)).schemas.items()))
    assert await client.resync(scoped.id, {other_schema: [next(iter(other_config.tables))]})
    assert sim.connections[scoped.id].run is not None
    assert await client.resync(historical.id)
    assert (await client.get_connection(historical.id)).status.is_historical_sync is True

    assert await client.sync(synced.id)
    assert (await client.get_connection(synced.id)).status.sync_state == "syncing"
    assert await client.sync(synced.id, force=True)

    hook = await client.create_account_webhook(
        "https://bot.example.com/fivetran/webhook", ["sync_end"], "s3cret"
    )
    assert (await client.update_webhook(hook.id, {"active": False})).active is False
    assert [w.id for w in await client.list_webhooks()] == [hook.id]
    assert await client.delete_webhook(hook.id)
    assert await client.list_webhooks() == []

    used = {(m, p.split("/v1/")[1].split("/")[0]) for m, p in checking.operations}
    assert {m for m, _ in used} == {"GET", "POST", "PATCH", "DELETE"}
