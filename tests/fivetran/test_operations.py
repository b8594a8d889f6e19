"""Every operation sends the request Fivetran expects and returns typed models."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx

from bot.fivetran import FivetranClient
from bot.fivetran.models import ConnectionDetails, ListedConnection
from tests.fivetran.conftest import BASE, connection, ok
from tests.openapi_spec import validate_request


def _basic(request: httpx.Request) -> str:
    return base64.b64decode(request.headers["authorization"].removeprefix("Basic ")).decode()


@respx.mock
async def test_get_connection_sends_basic_auth_v2_accept_and_user_agent(client: FivetranClient) -> None:
    route = respx.get(f"{BASE}/v1/connections/decidedly_conventional").respond(json=ok(connection()))
    found = await client.get_connection("decidedly_conventional")
    request = route.calls.last.request
    assert _basic(request) == "key123:sekrit-value"
    assert request.headers["accept"] == "application/json;version=2"
    assert request.headers["user-agent"].startswith("hvr-bot/")
    assert "content-type" not in request.headers
    assert isinstance(found, ConnectionDetails)
    assert found.name == "salesforce_prod"
    assert found.failed_at is None
    assert found.last_sync_end is not None and found.last_sync_end.year == 2026


@respx.mock
async def test_groups_use_plain_json_accept(client: FivetranClient) -> None:
    route = respx.get(f"{BASE}/v1/groups/projected_sickle").respond(
        json=ok({"id": "projected_sickle", "name": "Staging", "created_at": "2018-12-20T11:59:35.089589Z"})
    )
    group = await client.get_group("projected_sickle")
    assert route.calls.last.request.headers["accept"] == "application/json"
    assert group.name == "Staging"


@respx.mock
async def test_pause_and_resume_patch_the_paused_flag_with_json(client: FivetranClient) -> None:
    route = respx.patch(f"{BASE}/v1/connections/c1").respond(json=ok(connection("c1", paused=True)))
    paused = await client.pause("c1")
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"paused": True, "run_setup_tests": False}
    assert paused.paused is True
    await client.resume("c1")
    assert json.loads(route.calls.last.request.content) == {"paused": False, "run_setup_tests": False}


@respx.mock
async def test_every_connection_patch_says_run_no_setup_tests_as_the_spec_defines_it(
    client: FivetranClient,
) -> None:
    """The spec's `run_setup_tests` defaults to true: a PATCH that leaves it out may run the setup tests,
    each counted in the 250-a-minute limit a bulk `test` is paced against."""
    route = respx.patch(f"{BASE}/v1/connections/c1").respond(json=ok(connection("c1")))
    await client.pause("c1")
    await client.resume("c1")
    await client.set_schedule("c1", schedule_type="manual")
    await client.set_schedule("c1", sync_frequency=1440, daily_sync_time="02:00")
    await client.update_connection("c1", {"sync_frequency": 360})
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert len(bodies) == 5 and all(body["run_setup_tests"] is False for body in bodies)
    for body in bodies:
        validate_request("PATCH", "/v1/connections/c1", body)  # a boolean the spec declares
    with pytest.raises(AssertionError):  # the check can fail: the spec types it a boolean
        validate_request("PATCH", "/v1/connections/c1", {"paused": True, "run_setup_tests": "false"})


async def test_a_patch_with_nothing_to_change_is_refused_before_it_is_sent(client: FivetranClient) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.patch(f"{BASE}/v1/connections/c1")
        with pytest.raises(ValueError):
            await client.update_connection("c1", {})
        with pytest.raises(ValueError):
            await client.set_schedule("c1")
        assert not route.called


@respx.mock
async def test_sync_posts_force_flag_and_returns_the_message(client: FivetranClient) -> None:
    route = respx.post(f"{BASE}/v1/connections/c1/sync").respond(json=ok(message="Sync has been triggered"))
    assert await client.sync("c1") == "Sync has been triggered"
    assert json.loads(route.calls.last.request.content) == {"force": False}
    await client.sync("c1", force=True)
    assert json.loads(route.calls.last.request.content) == {"force": True}
    assert route.calls.last.request.headers["accept"] == "application/json;version=2"


@respx.mock
async def test_resync_sends_scope_only_when_given(client: FivetranClient) -> None:
    route = respx.post(f"{BASE}/v1/connections/c1/resync").respond(json=ok(message="Re-sync triggered"))
    await client.resync("c1")
    assert json.loads(route.calls.last.request.content) == {}
    await client.resync("c1", {"public": ["orders", "users"]})
    assert json.loads(route.calls.last.request.content) == {"scope": {"public": ["orders", "users"]}}


@respx.mock
async def test_resync_tables_posts_the_schema_map(client: FivetranClient) -> None:
    route = respx.post(f"{BASE}/v1/connections/c1/schemas/tables/resync").respond(json=ok())
    await client.resync_tables("c1", {"public": ["orders"]})
    assert json.loads(route.calls.last.request.content) == {"public": ["orders"]}


@respx.mock
async def test_setup_tests_send_an_empty_object_and_return_results(client: FivetranClient) -> None:
    tests = [
        {"title": "Validate Login", "status": "PASSED", "message": ""},
        {"title": "Check Permissions", "status": "FAILED", "message": "Missing SELECT on orders"},
    ]
    route = respx.post(f"{BASE}/v1/connections/c1/test").respond(json=ok(connection("c1", setup_tests=tests)))
    tested = await client.run_setup_tests("c1")
    assert json.loads(route.calls.last.request.content) == {}
    assert tested.setup_tests is not None
    assert [t.status for t in tested.setup_tests] == ["PASSED", "FAILED"]


SCHEMAS = {
    "schema_change_handling": "ALLOW_ALL",
    "schemas": {
        "public": {
            "name_in_destination": "public",
            "enabled": True,
            "tables": {
                "orders": {
                    "name_in_destination": "orders",
                    "enabled": True,
                    "sync_mode": "SOFT_DELETE",
                    "enabled_patch_settings": {"allowed": True},
                    "supports_columns_config": True,
                    "columns": {},
                },
                "fivetran_audit": {
                    "name_in_destination": "fivetran_audit",
                    "enabled": True,
                    "enabled_patch_settings": {"allowed": False, "reason_code": "SYSTEM_TABLE"},
                    "columns": {},
                },
            },
        }
    },
}


@respx.mock
async def test_schemas_parse_as_maps_keyed_by_source_name(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/connections/c1/schemas").respond(json=ok(SCHEMAS))
    settings = await client.get_schemas("c1")
    tables = settings.schemas["public"].tables
    assert tables["orders"].sync_mode == "SOFT_DELETE"
    assert tables["fivetran_audit"].enabled_patch_settings.allowed is False
    assert tables["fivetran_audit"].enabled_patch_settings.reason_code == "SYSTEM_TABLE"


@respx.mock
async def test_table_patch_quotes_names_so_they_cannot_change_the_path(client: FivetranClient) -> None:
    route = respx.patch(url__regex=rf"{BASE}/v1/connections/c1/schemas/.*").respond(json=ok(SCHEMAS))
    await client.set_table_enabled("c1", "pub/lic", "../orders", False)
    assert route.calls.last.request.url.raw_path == b"/v1/connections/c1/schemas/pub%2Flic/tables/..%2Forders"
    assert json.loads(route.calls.last.request.content) == {"enabled": False}


@respx.mock
async def test_reload_schemas_preserves_the_current_selection(client: FivetranClient) -> None:
    route = respx.post(f"{BASE}/v1/connections/c1/schemas/reload").respond(json=ok(SCHEMAS))
    await client.reload_schemas("c1")
    assert json.loads(route.calls.last.request.content) == {"exclude_mode": "PRESERVE"}


@respx.mock
async def test_account_info_and_webhook_operations(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/account/info").respond(
        json=ok({"account_id": "acc1", "account_name": "Acme", "system_key_id": "sk1"})
    )
    hook = {
        "id": "wh1",
        "type": "account",
        "url": "https://bot.example.com/fivetran/webhook",
        "events": ["sync_start", "sync_end"],
        "active": True,
        "secret": "******",
        "created_at": "2026-01-01T00:00:00Z",
        "created_by": "user1",
    }
    create = respx.post(f"{BASE}/v1/webhooks/account").respond(json=ok(hook))
    update = respx.patch(f"{BASE}/v1/webhooks/wh1").respond(json=ok(hook))
    respx.get(f"{BASE}/v1/webhooks").respond(json=ok({"items": [hook]}))
    delete = respx.delete(f"{BASE}/v1/webhooks/wh1").respond(json=ok(message="deleted"))

    assert (await client.account_info()).account_name == "Acme"
    created = await client.create_account_webhook(hook["url"], ["sync_start", "sync_end"], "s3cret")  # type: ignore[arg-type]
    assert json.loads(create.calls.last.request.content)["secret"] == "s3cret"
    assert "s3cret" not in repr(created)
    await client.update_webhook("wh1", {"active": False})
    assert json.loads(update.calls.last.request.content) == {"active": False}
    assert [w.id for w in await client.list_webhooks()] == ["wh1"]
    assert await client.delete_webhook("wh1") == "deleted"
    assert delete.called


@respx.mock
async def test_models_keep_unknown_fields(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/connections/c1").respond(json=ok(connection("c1", brand_new_field={"x": 1})))
    found = await client.get_connection("c1")
    assert found.model_extra == {"brand_new_field": {"x": 1}}


@respx.mock
async def test_listed_connections_keep_only_the_fields_the_bot_reads(client: FivetranClient) -> None:
    items = [connection("c1", config={"host": "db", "password": "******"}, brand_new_field=1)]
    respx.get(f"{BASE}/v1/connections").respond(json=ok({"items": items, "next_cursor": None}))

    (listed,) = await client.list_connections()

    assert isinstance(listed, ListedConnection) and listed.id == "c1"
    # A snapshot of 10,000 holds no `config` of each, and no `__dict__` either (slots).
    assert not hasattr(listed, "config") and not hasattr(listed, "brand_new_field")
    assert not hasattr(listed, "__dict__")
