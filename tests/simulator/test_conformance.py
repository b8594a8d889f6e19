"""Every operation the bot uses answers like Fivetran: shapes that validate against the (patched)
official spec, the envelope, pagination, and the error bodies."""

from __future__ import annotations

import base64
import json

import httpx

from bot.simulator import ManualClock, Simulator
from tests.openapi_spec import validate_request, validate_response
from tests.simulator.conftest import Api, client_for, first_with


async def test_every_operation_the_bot_uses_validates_against_the_spec(
    sim: Simulator, api: Api, clock: ManualClock
) -> None:
    group_id = next(iter(sim.groups))
    cid = first_with(sim, "healthy")
    answers = [
        await api.get("/v1/groups"),
        await api.get(f"/v1/groups/{group_id}"),
        await api.get(f"/v1/groups/{group_id}/connections", limit="1000"),
        await api.get("/v1/connections", limit="1000"),
        await api.get("/v1/connections", group_id=group_id),
        await api.get(f"/v1/connections/{cid}"),
        await api.patch(f"/v1/connections/{cid}", {"sync_frequency": 1440, "daily_sync_time": "03:00"}),
        await api.patch(f"/v1/connections/{cid}", {"schedule_type": "manual"}),
        await api.patch(f"/v1/connections/{cid}", {"paused": True}),
        await api.patch(f"/v1/connections/{cid}", {"paused": False}),
        await api.post(f"/v1/connections/{cid}/sync", {"force": False}),
        await api.post(f"/v1/connections/{cid}/test", {}),
        await api.get(f"/v1/connections/{cid}/schemas"),
        await api.post(f"/v1/connections/{cid}/schemas/reload", {"exclude_mode": "PRESERVE"}),
        await api.get("/v1/account/info"),
        await api.post("/v1/webhooks/account", {"url": "https://hooks.example/f", "events": ["sync_end"]}),
        await api.get("/v1/webhooks"),
    ]
    clock.advance(3600)
    config = (await api.get(f"/v1/connections/{cid}/schemas")).json()["data"]
    schema, tables = next(iter(config["schemas"].items()))
    table = next(t for t, v in tables["tables"].items() if v["enabled_patch_settings"]["allowed"])
    answers += [
        await api.patch(f"/v1/connections/{cid}/schemas/{schema}/tables/{table}", {"enabled": False}),
        await api.post(f"/v1/connections/{cid}/schemas/tables/resync", {schema: [table]}),
    ]
    clock.advance(3600)
    answers.append(await api.post(f"/v1/connections/{cid}/resync", {}))
    webhook_id = answers[15].json()["data"]["id"]
    answers.append(await api.delete(f"/v1/webhooks/{webhook_id}"))
    for response in answers:
        assert response.status_code == 200, (response.request.url, response.text)
        # live Fivetran marks what a create endpoint made
        expected = "Created" if response.request.url.path == "/v1/webhooks/account" else "Success"
        assert response.json()["code"] == expected


async def test_every_generated_connection_and_its_schemas_validate(api: Api, sim: Simulator) -> None:
    # One page of all 60 covers every health, so every null and every status shape is checked.
    page = (await api.get("/v1/connections", limit="1000")).json()["data"]
    assert len(page["items"]) == 60
    for cid in list(sim.connections)[:20]:
        await api.get(f"/v1/connections/{cid}")
        await api.get(f"/v1/connections/{cid}/schemas")


async def test_action_endpoints_answer_code_and_message_without_data(api: Api, healthy_id: str) -> None:
    body = (await api.post(f"/v1/connections/{healthy_id}/sync", {})).json()
    assert body == {
        "code": "Success",
        "message": f"Sync has been successfully triggered for connection with id '{healthy_id}'",
    }


async def test_every_answer_carries_the_rate_limit_headers(client: httpx.AsyncClient) -> None:
    for response in [
        await client.get("/v1/groups"),
        await client.get("/v1/connections/nope"),
        await client.get("/v1/groups", auth=("demo", "wrong")),
    ]:
        assert response.headers["X-Rate-Limit"] == "20000"
        assert int(response.headers["X-Rate-Limit-Remaining"]) <= 20000


async def test_pagination_walks_5000_connections_with_limit_1000() -> None:
    sim = Simulator(connections=5000, clock=ManualClock())
    async with client_for(sim) as client:
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
            validate_request("GET", "/v1/connections", None, params)
            response = await client.get("/v1/connections", params=params)
            if pages == 0:  # one full page against the spec is enough; all 5,000 would take seconds
                validate_response("GET", "/v1/connections", 200, response.json())
            data = response.json()["data"]
            seen += [item["id"] for item in data["items"]]
            pages += 1
            cursor = data.get("next_cursor")
            if cursor is None:
                break
    assert pages == 5
    assert seen == list(sim.connections)


async def test_pagination_defaults_to_100_and_the_last_page_has_no_cursor() -> None:
    sim = Simulator(connections=5000, clock=ManualClock())
    async with client_for(sim) as client:
        first = (await client.get("/v1/connections")).json()["data"]
        assert len(first["items"]) == 100
        # opaque to clients, but shaped like Fivetran's: base64 of {"skip": n}
        assert json.loads(base64.urlsafe_b64decode(first["next_cursor"] + "==")) == {"skip": 100}
        total, cursor = 0, None
        while True:
            params: dict[str, str] = {"cursor": cursor} if cursor else {}
            data = (await client.get("/v1/connections", params=params)).json()["data"]
            total += len(data["items"])
            if "next_cursor" not in data:
                break
            cursor = data["next_cursor"]
    assert total == 5000


async def test_group_connections_and_group_filter_list_only_that_group(api: Api, sim: Simulator) -> None:
    group_id = next(iter(sim.groups))
    expected = [c.id for c in sim.connections.values() if c.group_id == group_id]
    by_path = (await api.get(f"/v1/groups/{group_id}/connections", limit="1000")).json()["data"]["items"]
    by_query = (await api.get("/v1/connections", group_id=group_id, limit="1000")).json()["data"]["items"]
    assert [c["id"] for c in by_path] == [c["id"] for c in by_query] == expected


async def test_limit_out_of_range_or_bad_cursor_is_400(client: httpx.AsyncClient) -> None:
    for params in ({"limit": "0"}, {"limit": "1001"}, {"limit": "ten"}, {"cursor": "!!not-a-cursor"}):
        response = await client.get("/v1/connections", params=params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "InvalidInput"


async def test_bad_or_missing_credentials_are_401_auth_failed(sim: Simulator) -> None:
    for auth in (("demo", "wrong"), ("wrong", "demo"), None):
        async with client_for(sim, auth=auth) as client:
            response = await client.get("/v1/account/info")
        assert response.status_code == 401
        assert response.json()["code"] == "AuthFailed"


async def test_missing_resources_are_404_with_the_resource_named(client: httpx.AsyncClient) -> None:
    cases = {
        "/v1/connections/nope": "NotFound_Connection",
        "/v1/groups/nope": "NotFound_Group",
        "/v1/groups/nope/connections": "NotFound_Group",
        "/v1/webhooks/nope": "NotFound_Webhook",
    }
    for path, code in cases.items():
        response = await client.get(path)
        assert (response.status_code, response.json()["code"]) == (404, code)


async def test_unknown_paths_answer_404(client: httpx.AsyncClient, healthy_id: str) -> None:
    for method, path in [("GET", "/v1/nothing"), ("GET", f"/v1/connections/{healthy_id}/nothing"),
                         ("POST", "/v1/connectors/x/y/z")]:  # fmt: skip
        response = await client.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 404
        assert response.json()["code"] == "NotFound"


async def test_post_and_patch_without_json_content_type_are_415(
    client: httpx.AsyncClient, healthy_id: str
) -> None:
    sync = await client.post(f"/v1/connections/{healthy_id}/sync", content=b'{"force": true}')
    patch = await client.patch(f"/v1/connections/{healthy_id}", content=b'{"paused": true}',
                               headers={"Content-Type": "text/plain"})  # fmt: skip
    assert (sync.status_code, patch.status_code) == (415, 415)


async def test_unsupported_method_on_a_known_path_is_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/groups")
    assert response.status_code == 405


async def test_both_accept_headers_are_served(client: httpx.AsyncClient, healthy_id: str) -> None:
    for accept in ("application/json;version=2", "application/json"):
        response = await client.get(f"/v1/connections/{healthy_id}", headers={"Accept": accept})
        assert response.status_code == 200


async def test_requests_are_counted_per_operation(
    client: httpx.AsyncClient, sim: Simulator, healthy_id: str
) -> None:
    await client.get("/v1/groups")
    await client.get(f"/v1/connections/{healthy_id}")
    await client.get(f"/v1/connections/{healthy_id}")
    assert sim.request_count == 3
    assert sim.requests_by_operation["GET /v1/connections/{connection_id}"] == 2
    assert sim.requests_by_operation["GET /v1/groups"] == 1


async def test_connect_card_answers_a_link_with_its_config_as_the_spec_says(api: Api, sim: Simulator) -> None:
    cid = first_with(sim, "broken")
    body = {
        "connect_card_config": {"redirect_uri": "https://slack.com/app_redirect", "hide_setup_guide": False}
    }

    response = await api.post(f"/v1/connections/{cid}/connect-card", body)

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["connector_id"] == cid
    assert data["connect_card"]["uri"].startswith("https://fivetran.com/connect-card/setup?")
    assert data["connect_card_config"] == body["connect_card_config"]


async def test_connect_card_without_its_config_or_with_a_bad_redirect_is_400(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    cid = first_with(sim, "broken")
    for body in ({}, {"connect_card_config": {"redirect_uri": "slack://x"}}):
        response = await client.post(f"/v1/connections/{cid}/connect-card", json=body)
        assert response.status_code == 400, body


async def test_a_daily_time_without_a_daily_frequency_is_400_and_leaving_daily_clears_it(
    api: Api, sim: Simulator
) -> None:
    cid = first_with(sim, "healthy")
    await api.patch(f"/v1/connections/{cid}", {"sync_frequency": 360})

    refused = await api.patch(f"/v1/connections/{cid}", {"daily_sync_time": "03:00"})
    await api.patch(f"/v1/connections/{cid}", {"sync_frequency": 1440, "daily_sync_time": "03:00"})
    left = await api.patch(f"/v1/connections/{cid}", {"sync_frequency": 60})

    assert refused.status_code == 400
    assert left.json()["data"]["daily_sync_time"] is None
