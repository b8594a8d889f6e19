"""What live Fivetran accepts besides the definition's exact shapes (DESIGN §10): POSTs with no body, a
trailing slash, the legacy `/v1/connectors…` names (counted), `/force`, destinations, and "Created"."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from bot.simulator import ManualClock, Simulator
from tests.simulator.aliases import assert_no_legacy_aliases
from tests.simulator.conftest import Api, client_for, first_with, send

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("action", ["sync", "force", "resync", "test", "schemas/reload"])
async def test_optional_body_posts_need_no_body_and_no_content_type(
    client: httpx.AsyncClient, sim: Simulator, action: str
) -> None:
    cid = first_with(sim, "healthy")
    response = await send(client, "POST", f"/v1/connections/{cid}/{action}")
    assert response.status_code == 200, response.text
    assert response.json()["code"] == "Success"
    assert "content-type" not in response.request.headers


@pytest.mark.parametrize("action", ["sync", "resync", "test", "schemas/reload", "force"])
async def test_a_body_that_is_there_still_needs_json(
    client: httpx.AsyncClient, healthy_id: str, action: str
) -> None:
    path = f"/v1/connections/{healthy_id}/{action}"
    for headers in ({}, {"Content-Type": "text/plain"}):
        response = await send(client, "POST", path, content=b"{}", headers=headers)
        assert (response.status_code, response.json()["code"]) == (415, "UnsupportedMediaType")


async def test_an_empty_body_with_any_content_type_is_no_body(
    client: httpx.AsyncClient, healthy_id: str
) -> None:
    for headers in (JSON, {"Content-Type": "application/x-www-form-urlencoded"}):
        assert (
            await send(client, "POST", f"/v1/connections/{healthy_id}/test", headers=headers)
        ).status_code == 200


async def test_a_required_body_is_still_required(client: httpx.AsyncClient, healthy_id: str) -> None:
    assert (await send(client, "PATCH", f"/v1/connections/{healthy_id}")).status_code == 415
    response = await send(client, "PATCH", f"/v1/connections/{healthy_id}", headers=JSON)
    assert (response.status_code, response.json()["code"]) == (400, "InvalidInput")


async def test_a_trailing_slash_is_the_same_path(
    client: httpx.AsyncClient, sim: Simulator, healthy_id: str
) -> None:
    for path in (
        "/v1/groups",
        f"/v1/connections/{healthy_id}",
        f"/v1/groups/{next(iter(sim.groups))}/connections",
    ):
        plain, slashed = await send(client, "GET", path), await send(client, "GET", path + "/")
        assert slashed.status_code == 200
        assert slashed.json() == plain.json()
    assert (await send(client, "POST", f"/v1/connections/{healthy_id}/sync/")).status_code == 200
    assert sim.requests_by_operation["GET /v1/groups"] == 2
    assert sim.requests_by_operation["POST /v1/connections/{connection_id}/sync"] == 1


async def test_force_is_a_forced_sync(api: Api, sim: Simulator, clock: ManualClock, healthy_id: str) -> None:
    sim.script_sync_outcome(healthy_id, "success", duration_s=100)
    sim.script_sync_outcome(healthy_id, "success", duration_s=100)
    await api.post(f"/v1/connections/{healthy_id}/sync", None)
    first = sim.connections[healthy_id].run
    clock.advance(60)
    response = await api.call("POST", f"/v1/connections/{healthy_id}/force", unofficial=True)
    assert response.json() == {
        "code": "Success",
        "message": f"Sync has been successfully triggered for connection with id '{healthy_id}'",
    }
    assert sim.connections[healthy_id].run is not first  # the running sync was stopped and re-run
    clock.advance(100)
    assert datetime.fromisoformat((await api.connection(healthy_id))["succeeded_at"]) == clock.now()


async def test_a_trailing_slash_is_the_same_path_for_destinations_columns_and_legacy_names(
    client: httpx.AsyncClient, sim: Simulator, healthy_id: str
) -> None:
    schema, table, column = _column_of(sim, healthy_id)
    table_path = f"/v1/connections/{healthy_id}/schemas/{schema}/tables/{table}/columns"
    for path in (f"/v1/destinations/{next(iter(sim.groups))}", table_path, f"/v1/connectors/{healthy_id}"):
        plain, slashed = await send(client, "GET", path), await send(client, "GET", path + "/")
        assert slashed.status_code == 200, slashed.text
        assert slashed.json() == plain.json()
    body = b'{"enabled": true, "hashed": true}'
    patched = await send(client, "PATCH", f"{table_path}/{column}/", content=body, headers=JSON)
    assert patched.status_code == 200, patched.text
    assert sim.requests_by_operation["PATCH /v1/connections/{connection_id}/schemas/{schema}/tables/{table}"
                                     "/columns/{column}"] == 1  # fmt: skip
    # the slashed legacy name is still the legacy name, and counted as one
    assert dict(sim.legacy_aliases) == {"GET /v1/connectors/{connection_id}": 2}


def _column_of(sim: Simulator, cid: str) -> tuple[str, str, str]:
    """A patchable table of `cid` (schema, table) and a column of it that may change."""
    schema, table = next(
        (s, t)
        for s, config in sim.schema_config(cid)["schemas"].items()
        for t, settings in config["tables"].items()
        if settings["enabled_patch_settings"]["allowed"]
    )
    columns = sim.columns(cid, schema, table)["columns"]
    column = next(n for n, c in columns.items() if c["enabled_patch_settings"]["allowed"])
    return schema, table, column


C, G = "{connection_id}", "{group_id}"
COLUMNS = f"/v1/connections/{C}/schemas/{{schema}}/tables/{{table}}/columns"


@pytest.mark.parametrize(
    ("method", "canonical", "body"),
    [
        ("GET", "/v1/connections", None),
        ("GET", f"/v1/connections/{C}", None),
        ("GET", f"/v1/groups/{G}/connections", None),
        ("GET", f"/v1/connections/{C}/schemas", None),
        ("PATCH", f"/v1/connections/{C}", {"schedule_type": "manual"}),
        ("POST", f"/v1/connections/{C}/sync", {"force": False}),
        ("POST", f"/v1/connections/{C}/force", None),
        ("POST", f"/v1/connections/{C}/test", None),
        ("POST", f"/v1/connections/{C}/schemas/reload", None),
        ("GET", COLUMNS, None),
        ("PATCH", COLUMNS + "/{column}", {"enabled": True, "hashed": True}),
    ],
)
async def test_legacy_connectors_names_answer_like_connections_and_are_counted(
    method: str, canonical: str, body: dict[str, object] | None
) -> None:
    alias = canonical.replace("/connections", "/connectors")
    answers = []
    for template in (canonical, alias):
        own = Simulator(seed=7, groups=4, connections=60, clock=ManualClock())  # each from the same start
        cid = first_with(own, "healthy")
        schema, table, column = _column_of(own, cid)
        path = template.replace(C, cid).replace(G, next(iter(own.groups)))
        path = path.replace("{schema}", schema).replace("{table}", table).replace("{column}", column)
        async with client_for(own) as client:
            answers.append((await Api(client).call(method, path, body, unofficial=True)).json())
        assert own.requests_by_operation[f"{method} {canonical}"] == 1  # the same operation either way
        if template == canonical:
            assert_no_legacy_aliases(own)
        else:
            assert (own.legacy_alias_requests, dict(own.legacy_aliases)) == (1, {f"{method} {alias}": 1})
    assert answers[0] == answers[1]


async def test_the_alias_count_is_in_the_stats_and_the_helper_names_what_was_used(
    client: httpx.AsyncClient, sim: Simulator, healthy_id: str
) -> None:
    await client.get(f"/v1/connections/{healthy_id}")
    assert (await client.get("/_sim/stats")).json()["data"]["legacy_alias_requests"] == 0
    assert_no_legacy_aliases(sim)
    await client.get(f"/v1/connectors/{healthy_id}")
    await client.post(f"/v1/connectors/{healthy_id}/force")
    stats = (await client.get("/_sim/stats")).json()["data"]
    assert stats["legacy_alias_requests"] == 2
    assert stats["legacy_aliases"] == {
        "GET /v1/connectors/{connection_id}": 1,
        "POST /v1/connectors/{connection_id}/force": 1,
    }
    with pytest.raises(AssertionError, match=r"GET /v1/connectors/\{connection_id\} ×1"):
        assert_no_legacy_aliases(sim)


async def test_every_destination_is_its_group(api: Api, sim: Simulator) -> None:
    for group in sim.groups.values():
        data = (await api.get(f"/v1/destinations/{group.id}")).json()["data"]
        assert (data["id"], data["group_id"], data["setup_status"]) == (group.id, group.id, "CONNECTED")
        assert data["service"] == {"Snowflake": "snowflake", "BigQuery": "big_query", "Redshift": "redshift",
                                   "Databricks": "databricks", "Synapse": "azure_sql_data_warehouse",
                                   "Postgres": "postgres_warehouse"}[group.name.split()[0]]  # fmt: skip
        assert data["config"]["password"] == "******"
    missing = await api.get("/v1/destinations/nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "NotFound_Destination")


async def test_a_create_answers_created(api: Api, clock: ManualClock) -> None:
    created = await api.post(
        "/v1/webhooks/account", {"url": "https://hooks.example/f", "events": ["sync_end"]}
    )
    assert (created.status_code, created.json()["code"]) == (200, "Created")
    assert created.json()["message"] == "Account webhook has been created"
    pinned = Simulator(clock=clock, created_code="Success")
    async with client_for(pinned) as client:
        again = await Api(client).post(
            "/v1/webhooks/account", {"url": "https://hooks.example/f", "events": ["*"]}
        )
    assert again.json()["code"] == "Success"
