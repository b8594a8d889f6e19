"""Routes of the fake Fivetran API v1. Each handler parses, calls the Simulator, and renders; the gate
(`gate.answer`) does what every answer has in common."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import bot.simulator.render as render
from bot.simulator.control import control_routes
from bot.simulator.errors import ApiError, invalid
from bot.simulator.gate import Answer, Handler, answer, json_response
from bot.simulator.simulator import Simulator

logger = logging.getLogger(__name__)
ALL_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
WEBHOOK_LOOP_INTERVAL_S = 0.25


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


async def sync(sim: Simulator, request: Request, body: Any) -> Answer:
    cid = request.path_params["connection_id"]
    force = _object(body, required=False).get("force", False)
    if not isinstance(force, bool):
        raise invalid("Field 'force' must be a boolean")
    sim.sync(cid, force=force)
    return _ok(message=f"Sync has been successfully triggered for connection with id '{cid}'")


async def resync(sim: Simulator, request: Request, body: Any) -> Answer:
    cid = request.path_params["connection_id"]
    sim.resync(cid, _object(body, required=False).get("scope"))
    return _ok(message=f"Re-sync has been successfully triggered for connection with id '{cid}'")


async def resync_tables(sim: Simulator, request: Request, body: Any) -> Answer:
    sim.resync_tables(request.path_params["connection_id"], body)
    return _ok(message="Re-sync has been triggered successfully")


async def run_setup_tests(sim: Simulator, request: Request, body: Any) -> Answer:
    if body is None:
        raise invalid("The request body is required; send {} for the defaults")
    _object(body)
    return _ok(sim.run_setup_tests(request.path_params["connection_id"]), "Setup tests have been completed")


async def get_schemas(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(sim.schema_config(request.path_params["connection_id"]))


async def reload_schemas(sim: Simulator, request: Request, body: Any) -> Answer:
    config = sim.schema_config(request.path_params["connection_id"])
    return _ok(config, "Schema configuration has been reloaded")


async def patch_table(sim: Simulator, request: Request, body: Any) -> Answer:
    p = request.path_params
    config = sim.patch_table(p["connection_id"], p["schema"], p["table"], _object(body))
    return _ok(config, "Table configuration has been modified")


async def account_info(sim: Simulator, request: Request, body: Any) -> Answer:
    a = sim.account
    return _ok({"account_id": a.account_id, "account_name": a.account_name, "user_id": a.user_id})


async def create_webhook(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(render.webhook(sim.create_webhook(_object(body))), "Account webhook has been created")


async def list_webhooks(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(_page(request, list(sim.webhooks.webhooks.values()), render.webhook))


async def get_webhook(sim: Simulator, request: Request, body: Any) -> Answer:
    return _ok(render.webhook(sim.webhook(request.path_params["webhook_id"])))


async def patch_webhook(sim: Simulator, request: Request, body: Any) -> Answer:
    hook = sim.update_webhook(request.path_params["webhook_id"], _object(body))
    return _ok(render.webhook(hook), "Webhook has been updated")


async def delete_webhook(sim: Simulator, request: Request, body: Any) -> Answer:
    wid = request.path_params["webhook_id"]
    sim.delete_webhook(wid)
    return _ok(message=f"Webhook with id '{wid}' has been deleted")


async def unknown_path(sim: Simulator, request: Request, body: Any) -> Answer:
    # includes the pre-2025 /v1/connectors... paths, which Fivetran answers 404 since 2026
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
    f"{C}/test": {"POST": run_setup_tests},
    f"{C}/schemas": {"GET": get_schemas},
    f"{C}/schemas/reload": {"POST": reload_schemas},
    f"{C}/schemas/{{schema}}/tables/{{table}}": {"PATCH": patch_table},
    "/v1/account/info": {"GET": account_info},
    "/v1/webhooks/account": {"POST": create_webhook},
    "/v1/webhooks": {"GET": list_webhooks},
    "/v1/webhooks/{webhook_id}": {"GET": get_webhook, "PATCH": patch_webhook, "DELETE": delete_webhook},
}


def _route(sim: Simulator, path: str, handlers: dict[str, Handler]) -> Route:
    async def endpoint(request: Request) -> Response:
        handler = handlers.get(request.method)
        if handler is None:
            if path == "/v1/{rest:path}":
                return await answer(sim, "unknown", request, unknown_path)
            allowed = ", ".join(handlers)
            return json_response(405, {"code": "MethodNotAllowed", "message": f"Allowed: {allowed}"},
                                 {"Allow": allowed})  # fmt: skip
        return await answer(sim, f"{request.method} {path}", request, handler)

    return Route(path, endpoint, methods=ALL_METHODS)


def build_app(sim: Simulator, *, delivery_interval_s: float = WEBHOOK_LOOP_INTERVAL_S) -> Starlette:
    """The simulator as an ASGI app; when served, its lifespan runs the webhook delivery loop (every
    `delivery_interval_s` real seconds)."""
    routes: list[BaseRoute] = [_route(sim, path, handlers) for path, handlers in OPERATIONS.items()]
    routes += control_routes(sim)
    routes.append(_route(sim, "/v1/{rest:path}", {}))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_deliver_forever(sim, delivery_interval_s))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await sim.aclose()

    return Starlette(routes=routes, lifespan=lifespan)


async def _deliver_forever(sim: Simulator, interval_s: float) -> None:
    while True:
        try:
            await sim.deliver_due_webhooks()
        except Exception:  # a bad receiver must not stop deliveries to the others
            logger.exception("webhook delivery loop")
        await asyncio.sleep(interval_s)
