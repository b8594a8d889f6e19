"""A table's columns: read from the source, switched on and off, hashed; every request in the official
definition, every answer shaped as it documents (all fields, unknown ones too)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from bot.fivetran import BadRequest, FivetranClient
from bot.fivetran.models import TableColumns
from tests.fivetran.conftest import BASE, ok, schema_config
from tests.openapi_spec import validate_request, validate_response

TABLE = "/v1/connections/c1/schemas/public/tables/orders"

COLUMNS: dict[str, Any] = {
    "columns": {
        "id": {
            "name_in_destination": "id",
            "enabled": True,
            "hashed": False,
            "is_primary_key": True,
            "enabled_patch_settings": {"allowed": False, "reason_code": "SYSTEM_COLUMN"},
        },
        "email": {
            "name_in_destination": "email",
            "enabled": True,
            "hashed": False,
            "enabled_patch_settings": {"allowed": True},
            "masking_policy": "none",  # a field Fivetran may add tomorrow
        },
        "ssn": {
            "name_in_destination": "ssn",
            "enabled": False,
            "hashed": True,
            "is_primary_key": False,
            "enabled_patch_settings": {
                "allowed": False,
                "reason_code": "OTHER",
                "reason": "Blocked by policy",
            },
        },
    },
}

CONFIG = schema_config({"email": COLUMNS["columns"]["email"] | {"hashed": True}})


def checked(route: respx.Route) -> dict[str, Any] | None:
    """The last request of `route`, checked against the spec; its JSON body."""
    request = route.calls.last.request
    body = json.loads(request.content) if request.content else None
    validate_request(request.method, request.url.path, body)
    return body


@respx.mock
async def test_get_columns_reads_every_column_of_the_table(client: FivetranClient) -> None:
    answer = ok(COLUMNS, "Column configuration retrieved successfully")
    validate_response("GET", f"{TABLE}/columns", 200, answer)
    route = respx.get(f"{BASE}{TABLE}/columns").respond(json=answer)
    found = await client.get_columns("c1", "public", "orders")
    assert checked(route) is None
    assert route.calls.last.request.headers["accept"] == "application/json;version=2"
    assert isinstance(found, TableColumns)
    assert list(found.columns) == ["id", "email", "ssn"]
    pk, email, ssn = found.columns.values()
    assert pk.is_primary_key and not pk.enabled_patch_settings.allowed
    assert pk.enabled_patch_settings.reason_code == "SYSTEM_COLUMN"
    assert email.is_primary_key is None and email.enabled_patch_settings.allowed
    assert (ssn.enabled, ssn.hashed, ssn.enabled_patch_settings.reason) == (False, True, "Blocked by policy")


@respx.mock
async def test_names_that_look_like_paths_stay_one_segment(client: FivetranClient) -> None:
    route = respx.get(f"{BASE}/v1/connections/c1/schemas/a%2Fb/tables/..%3F/columns").respond(
        json=ok(COLUMNS)
    )
    await client.get_columns("c1", "a/b", "..?")
    assert route.called


async def test_a_column_answered_with_nulls_parses() -> None:
    column = {"name_in_destination": None, "enabled": True, "hashed": False, "is_primary_key": None}
    parsed = TableColumns.model_validate(
        {"columns": {"c": column | {"enabled_patch_settings": {"allowed": True}}}}
    )
    assert parsed.columns["c"].is_primary_key is None


@pytest.mark.parametrize(
    ("change", "body"),
    [
        ({"enabled": False}, {"enabled": False}),
        ({"enabled": True}, {"enabled": True}),
        ({"enabled": True, "hashed": True}, {"enabled": True, "hashed": True}),
        ({"enabled": True, "hashed": False}, {"enabled": True, "hashed": False}),
    ],
)
@respx.mock
async def test_set_column_patches_enabled_and_hashed(
    client: FivetranClient, change: dict[str, bool], body: dict[str, bool]
) -> None:
    answer = ok(CONFIG, "Column configuration has been modified")
    validate_response("PATCH", f"{TABLE}/columns/email", 200, answer)
    route = respx.patch(f"{BASE}{TABLE}/columns/email").respond(json=answer)
    settings = await client.set_column("c1", "public", "orders", "email", **change)
    assert checked(route) == body
    assert route.calls.last.request.headers["content-type"] == "application/json"
    assert settings.schemas["public"].tables["orders"].columns["email"].hashed is True


@respx.mock
async def test_a_refused_column_change_carries_fivetrans_words(client: FivetranClient) -> None:
    respx.patch(f"{BASE}{TABLE}/columns/id").respond(
        400, json={"code": "InvalidInput", "message": "Primary key columns cannot be disabled"}
    )
    with pytest.raises(BadRequest) as caught:
        await client.set_column("c1", "public", "orders", "id", enabled=False)
    assert (caught.value.code, caught.value.message) == (
        "InvalidInput",
        "Primary key columns cannot be disabled",
    )
