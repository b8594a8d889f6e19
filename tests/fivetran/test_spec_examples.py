"""The models parse the official spec's own example responses for every operation the client uses."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from bot.fivetran.models import (
    AccountInfo,
    ConnectionDetails,
    Group,
    ListedConnection,
    SchemaSettings,
    TableColumns,
    Webhook,
)
from tests.fivetran.spec_examples import response_example

SINGLE: list[tuple[str, str, type[BaseModel]]] = [
    ("/v1/account/info", "get", AccountInfo),
    ("/v1/groups/{groupId}", "get", Group),
    ("/v1/connections/{connectionId}", "get", ConnectionDetails),
    ("/v1/connections/{connectionId}", "patch", ConnectionDetails),
    ("/v1/connections/{connectionId}/test", "post", ConnectionDetails),
    ("/v1/connections/{connectionId}/schemas", "get", SchemaSettings),
    ("/v1/connections/{connectionId}/schemas/reload", "post", SchemaSettings),
    ("/v1/connections/{connectionId}/schemas/{schemaName}/tables/{tableName}", "patch", SchemaSettings),
    ("/v1/connections/{connectionId}/schemas/{schema}/tables/{table}/columns", "get", TableColumns),
    (
        "/v1/connections/{connectionId}/schemas/{schemaName}/tables/{tableName}/columns/{columnName}",
        "patch",
        SchemaSettings,
    ),
    ("/v1/webhooks/account", "post", Webhook),
    ("/v1/webhooks/{webhookId}", "patch", Webhook),
]

# A list page's connections are `ListedConnection`s (a pydantic dataclass, hence the adapter below).
LISTS: list[tuple[str, type[Any]]] = [
    ("/v1/groups", Group),
    ("/v1/connections", ListedConnection),
    ("/v1/groups/{groupId}/connections", ListedConnection),
    ("/v1/webhooks", Webhook),
]


@pytest.mark.parametrize(("path", "method", "model"), SINGLE)
def test_model_parses_the_spec_example(path: str, method: str, model: type[BaseModel]) -> None:
    body = response_example(path, method)
    assert body.get("code") == "Success"
    parsed = model.model_validate(body["data"])
    assert parsed.model_dump()


@pytest.mark.parametrize(("path", "model"), LISTS)
def test_list_items_parse_from_the_spec_example(path: str, model: type[Any]) -> None:
    body: dict[str, Any] = response_example(path, "get")
    items = body["data"]["items"]
    assert items, "the example list should have an item"
    for item in items:
        assert isinstance(TypeAdapter(model).validate_python(item), model)
    assert "next_cursor" in body["data"]


def test_the_connection_example_keeps_its_status_and_name() -> None:
    data = response_example("/v1/connections/{connectionId}", "get")["data"]
    parsed = ConnectionDetails.model_validate(data)
    assert parsed.name == data["schema"]
    assert parsed.status.setup_state == data["status"]["setup_state"]
