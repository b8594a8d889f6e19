"""Routes of the fake Fivetran API v1: every operation of `handlers.OPERATIONS`, each `/v1/connections`
path under its legacy `/v1/connectors` name too (counted in `sim.legacy_aliases`), `/_sim` control, and
a 404 for the rest. A trailing slash is the same path (`/v1/groups/` is `/v1/groups`), as on Fivetran."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.simulator.control import control_routes
from bot.simulator.gate import Handler, answer, json_response
from bot.simulator.handlers import OPERATIONS, OPTIONAL_BODY, legacy_alias, unknown_path
from bot.simulator.simulator import Simulator

logger = logging.getLogger(__name__)
ALL_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
WEBHOOK_LOOP_INTERVAL_S = 0.25


def _route(sim: Simulator, path: str, handlers: dict[str, Handler], *, alias: str | None = None) -> Route:
    """`path`'s operations, served at `alias` when given (a legacy name of `path`)."""

    async def endpoint(request: Request) -> Response:
        handler = handlers.get(request.method)
        if handler is None:
            if path == "/v1/{rest:path}":
                return await answer(sim, "unknown", request, unknown_path)
            allowed = ", ".join(handlers)
            return json_response(405, {"code": "MethodNotAllowed", "message": f"Allowed: {allowed}"},
                                 {"Allow": allowed})  # fmt: skip
        operation = f"{request.method} {path}"
        if alias is not None:
            sim.legacy_aliases[f"{request.method} {alias}"] += 1
        return await answer(sim, operation, request, handler, optional_body=operation in OPTIONAL_BODY)

    return Route(alias or path, endpoint, methods=ALL_METHODS)


class _SameWithoutSlash:
    """Serves `/v1/groups/` as `/v1/groups`: strips trailing slashes before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            stripped = path.rstrip("/") or "/"
            raw = scope.get("raw_path")
            scope = {**scope, "path": stripped,
                     "raw_path": raw.rstrip(b"/") or b"/" if isinstance(raw, bytes) else raw}  # fmt: skip
        await self.app(scope, receive, send)


def build_app(sim: Simulator, *, delivery_interval_s: float = WEBHOOK_LOOP_INTERVAL_S) -> Starlette:
    """The simulator as an ASGI app; when served, its lifespan runs the webhook delivery loop (every
    `delivery_interval_s` real seconds)."""
    routes: list[BaseRoute] = [_route(sim, path, handlers) for path, handlers in OPERATIONS.items()]
    for path, handlers in OPERATIONS.items():
        if (alias := legacy_alias(path)) is not None:
            routes.append(_route(sim, path, handlers, alias=alias))
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

    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(_SameWithoutSlash)])


async def _deliver_forever(sim: Simulator, interval_s: float) -> None:
    while True:
        try:
            await sim.deliver_due_webhooks()
        except Exception:  # a bad receiver must not stop deliveries to the others
            logger.exception("webhook delivery loop")
        await asyncio.sleep(interval_s)
