"""The handlers of the fake Fivetran API v1 and the table of operations they serve. Each parses, calls the
Simulator, and renders; `gate.answer` does what every answer has in common."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request

import bot.simulator.render as render
from bot.simulator.errors import ApiError, invalid
from bot.simulator.gate import Answer, Handler
from bot.simulator.simulator import Simulator


def _ok(data: Any = None, message: str | None = None) -> Answer:
    payload: dict[str, Any] = {"code": "Success"}
    if message is not None:
        payload["message"] = message
    if data is not None:
        payload["data"] = data
    return 200, payload


def _page(
    request: Request, items: Sequence[Any], render_item: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    raw_limit = request.query_params.get("limit", "100")
    try:
        limit = int(raw_limit)
    except ValueError:
        raise invalid(f"Invalid limit '{raw_limit}': expected an integer from 1 to 1000") from None
    if not 1 <= limit <= 1000:
        raise invalid(f"Invalid limit {limit}: expected an integer from 1 to 1000")
    skip = 0
    if cursor := request.query_params.get("cursor"):
        try:
            skip = int(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["skip"])
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise invalid(f"Invalid cursor '{cursor}'") from None
    data: dict[str, Any] = {"items": [render_item(i) for i in items[skip : skip + limit]]}
    if skip + limit < len(items):
        # shaped like Fivetran's (base64 of {"skip":n}, no padding); clients must treat it as opaque
        data["next_cursor"] = (
            base64.urlsafe_b64encode(json.dumps({"skip": skip + limit}).encode()).decode().rstrip("=")
        )
    return data


def _object(body: Any, required: bool = True) -> dict[str, Any]:
    if body is None and not required:
        return {}
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object")
    return body


async def list_groups(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(_page(request, list(sim.groups.values()), render.group))


async def get_group(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(render.group(sim.group(request.path_params["group_id"])))


async def list_group_connections(sim: Simulator, request: Request, body: Any) -> Answer:
    conns = sim.list_connections(request.path_params["group_id"], request.query_params.get("schema"))
    return _ok(_page(request, conns, render.connection))


async def list_connections(sim: Simulator, request: Request, body: Any) -> Answer:
    q = request.query_params
    return _ok(_page(request, sim.list_connections(q.get("group_id"), q.get("schema")), render.connection))


async def get_connection(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(render.connection(sim.connection(request.path_params["connection_id"])))


async def patch_connection(sim: Simulator, request: Request, body: Any) -> Answer:
    conn = sim.update_connection(request.path_params["connection_id"], _object(body))
    return _ok(render.connection(conn), "Connection has been updated")


async def connect_card(sim: Simulator, request: Request, body: Any) -> Answer:
    card = sim.connect_card(request.path_params["connection_id"], _object(body))
    return _ok(card, "Connection Connect Card has been created")


async def sync(sim: Simulator, request: Request, body: Any) -> Answer:
    cid = request.path_params["connection_id"]
    force = _object(body, required=False).get("force", False)
    if not isinstance(force, bool):
        raise invalid("Field 'force' must be a boolean")
    sim.sync(cid, force=force)
    return _ok(message=f"Sync has been successfully triggered for connection with id '{cid}'")


async def force_sync(sim: Simulator, request: Request, body: Any) -> Answer:
    # not in the official definition; Fivetran's Go SDK syncs this way, with no body
    _object(body, required=False)
    cid = request.path_params["connection_id"]
    sim.sync(cid, force=True)
    return _ok(message=f"Sync has been successfully triggered for connection with id '{cid}'")


async def resync(sim: Simulator, request: Request, body: Any) -> Answer:
    cid = request.path_params["connection_id"]
    sim.resync(cid, _object(body, required=False).get("scope"))
    return _ok(message=f"Re-sync has been successfully triggered for connection with id '{cid}'")


async def resync_tables(sim: Simulator, request: Request, body: Any) -> Answer:
    sim.resync_tables(request.path_params["connection_id"], body)
    return _ok(message="Re-sync has been triggered successfully")


async def run_setup_tests(sim: Simulator, request: Request, body: Any) -> Answer:
    # The definition says an omitted body is a 400; live Fivetran (and its own CLI) run the tests without
    # one, and DESIGN §10 follows live Fivetran.
    _object(body, required=False)
    return _ok(sim.run_setup_tests(request.path_params["connection_id"]), "Setup tests have been completed")


async def get_schemas(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(sim.schema_config(request.path_params["connection_id"]))


async def reload_schemas(sim: Simulator, request: Request, body: Any) -> Answer:
    mode = _object(body, required=False).get("exclude_mode", "PRESERVE")
    config = await sim.reload_schemas(request.path_params["connection_id"], mode)
    return _ok(config, "Schema configuration has been reloaded")


async def patch_table(sim: Simulator, request: Request, body: Any) -> Answer:
    p = request.path_params
    config = sim.patch_table(p["connection_id"], p["schema"], p["table"], _object(body))
    return _ok(config, "Table configuration has been modified")


async def get_columns(sim: Simulator, request: Request, body: Any) -> Answer:
    p = request.path_params
    return _ok(sim.columns(p["connection_id"], p["schema"], p["table"]))


async def patch_column(sim: Simulator, request: Request, body: Any) -> Answer:
    p = request.path_params
    config = sim.patch_column(p["connection_id"], p["schema"], p["table"], p["column"], _object(body))
    return _ok(config, "Column configuration has been modified")


async def get_destination(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(render.destination(sim.destination(request.path_params["destination_id"]), sim.seed))


async def account_info(sim: Simulator, request: Request, body: Any) -> Answer:
    a = sim.account
    return _ok({"account_id": a.account_id, "account_name": a.account_name, "user_id": a.user_id})


async def create_webhook(sim: Simulator, request: Request, body: Any) -> Answer:
    hook = sim.create_webhook(_object(body))
    status, payload = _ok(render.webhook(hook), "Account webhook has been created")
    return status, {**payload, "code": sim.created_code}


async def list_webhooks(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(_page(request, list(sim.webhooks.webhooks.values()), render.webhook))


async def get_webhook(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(render.webhook(sim.webhooks.get(request.path_params["webhook_id"])))


async def patch_webhook(sim: Simulator, request: Request, body: Any) -> Answer:
    hook = sim.webhooks.update(request.path_params["webhook_id"], _object(body))
    return _ok(render.webhook(hook), "Webhook has been updated")


async def delete_webhook(sim: Simulator, request: Request, body: Any) -> Answer:
    wid = request.path_params["webhook_id"]
    sim.webhooks.delete(wid)
    return _ok(message=f"Webhook with id '{wid}' has been deleted")


async def unknown_path(sim: Simulator, request: Request, body: Any) -> Answer:
    raise ApiError(404, "NotFound", f"Path '{request.url.path}' not found")


C = "/v1/connections/{connection_id}"
OPERATIONS: dict[str, dict[str, Handler]] = {
    "/v1/groups": {"GET": list_groups},
    "/v1/groups/{group_id}": {"GET": get_group},
    "/v1/groups/{group_id}/connections": {"GET": list_group_connections},
    "/v1/connections": {"GET": list_connections},
    C: {"GET": get_connection, "PATCH": patch_connection},
    f"{C}/sync": {"POST": sync},
    f"{C}/resync": {"POST": resync},
    f"{C}/schemas/tables/resync": {"POST": resync_tables},
    f"{C}/force": {"POST": force_sync},
    f"{C}/test": {"POST": run_setup_tests},
    f"{C}/connect-card": {"POST": connect_card},
    f"{C}/schemas": {"GET": get_schemas},
    f"{C}/schemas/reload": {"POST": reload_schemas},
    f"{C}/schemas/{{schema}}/tables/{{table}}": {"PATCH": patch_table},
    f"{C}/schemas/{{schema}}/tables/{{table}}/columns": {"GET": get_columns},
    f"{C}/schemas/{{schema}}/tables/{{table}}/columns/{{column}}": {"PATCH": patch_column},
    "/v1/destinations/{destination_id}": {"GET": get_destination},
    "/v1/account/info": {"GET": account_info},
    "/v1/webhooks/account": {"POST": create_webhook},
    "/v1/webhooks": {"GET": list_webhooks},
    "/v1/webhooks/{webhook_id}": {"GET": get_webhook, "PATCH": patch_webhook, "DELETE": delete_webhook},
}

# POSTs whose body the definition makes optional: without one they need no Content-Type (DESIGN §10)
OPTIONAL_BODY = frozenset(
    {f"POST {C}/sync", f"POST {C}/force", f"POST {C}/resync", f"POST {C}/test", f"POST {C}/schemas/reload"}
)


def legacy_alias(path: str) -> str | None:
    """The pre-2025 form of a `/v1/connections` path (`/v1/connectors...`, `/v1/groups/{id}/connectors`),
    which older clients still send."""
    if path.startswith("/v1/connections"):
        return "/v1/connectors" + path.removeprefix("/v1/connections")
    if path == "/v1/groups/{group_id}/connections":
        return "/v1/groups/{group_id}/connectors"
    return None
