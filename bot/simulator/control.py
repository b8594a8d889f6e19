"""`/_sim/...`: drive a simulator that runs in another process (Basic auth with the API credentials).

POST   /_sim/connections/{id}/outcome   {"outcome": "success"|"failure"|"rescheduled", "duration_s": 60,
                                         "reschedule_s": 900}
POST   /_sim/connections/{id}/reload    {"duration_s": 180}   (the next schema reload takes that long)
POST   /_sim/connections/{id}/break     {"message": "..."}
POST   /_sim/connections/{id}/recover
POST   /_sim/faults                     {"method", "path_regex", "status", "kind", "times", "delay_s"}
DELETE /_sim/faults
POST   /_sim/clock/advance              {"seconds": 60}   (only with a ManualClock)
POST   /_sim/webhooks/deliver
GET    /_sim/stats                      (counts; `legacy_alias_requests` is how many came by /v1/connectors...)
These requests are not counted, not rate limited and never faulted.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.simulator.clock import ManualClock, iso
from bot.simulator.errors import ApiError, invalid
from bot.simulator.gate import credentials_ok, json_response
from bot.simulator.simulator import Simulator

Control = Callable[[Simulator, Request, dict[str, Any]], Awaitable[dict[str, Any]]]


async def _outcome(sim: Simulator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    try:
        sim.script_sync_outcome(
            request.path_params["connection_id"],
            body.get("outcome", "success"),
            float(body.get("duration_s", 60.0)),
            reschedule_s=float(body.get("reschedule_s", 900.0)),
            reason=body.get("reason"),
        )
    except (ValueError, TypeError) as exc:
        raise invalid(str(exc)) from None
    return {}


async def _reload(sim: Simulator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    try:
        sim.script_schema_reload(request.path_params["connection_id"], float(body.get("duration_s", 0.0)))
    except (ValueError, TypeError) as exc:
        raise invalid(str(exc)) from None
    return {}


async def _break(sim: Simulator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    message = body.get("message") or "Reconnect: the credentials were revoked"
    sim.break_connection(request.path_params["connection_id"], str(message))
    return {}


async def _recover(sim: Simulator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    sim.recover_connection(request.path_params["connection_id"])
    return {}


async def _script_fault(sim: Simulator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    try:
        sim.faults.script(
            method=body.get("method"),
            path_regex=body.get("path_regex"),
            status=body.get("status"),
            kind=body.get("kind"),
            times=int(body.get("times", 1)),
            delay_s=float(body.get("delay_s", 0.0)),
        )
    except (ValueError, TypeError) as exc:
        raise invalid(str(exc)) from None
    return {"scripted": len(sim.faults.scripted)}


async def _clear_faults(sim: Simulator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    sim.faults.clear()
    return {}


async def _advance(sim: Simulator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(sim.clock, ManualClock):
        raise ApiError(409, "Conflict", "The clock is not manual; it cannot be advanced")
    sim.clock.advance(float(body.get("seconds", 0)))
    return {"now": iso(sim.tick())}


async def _deliver(sim: Simulator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    return {"delivered": await sim.deliver_due_webhooks()}


async def _stats(sim: Simulator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "now": iso(sim.tick()),
        "request_count": sim.request_count,
        "requests_by_operation": dict(sim.requests_by_operation),
        "legacy_alias_requests": sim.legacy_alias_requests,
        "legacy_aliases": dict(sim.legacy_aliases),
        "rate_limited": dict(sim.limits.refused),
        "pending_webhook_deliveries": len(sim.webhooks.pending),
    }


def _route(sim: Simulator, path: str, method: str, control: Control) -> Route:
    async def endpoint(request: Request) -> Response:
        if not credentials_ok(sim, request):
            return json_response(
                401, {"code": "AuthFailed", "message": "Missing or invalid API key or secret"}
            )
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise invalid("The request body must be a JSON object")
            data = await control(sim, request, body)
        except ValueError:
            return json_response(
                400, {"code": "InvalidInput", "message": "The request body is not valid JSON"}
            )
        except ApiError as error:
            return json_response(error.status, {"code": error.code, "message": error.message})
        return json_response(200, {"code": "Success", "data": data})

    return Route(path, endpoint, methods=[method])


def control_routes(sim: Simulator) -> list[BaseRoute]:
    c = "/_sim/connections/{connection_id}"
    return [
        _route(sim, f"{c}/outcome", "POST", _outcome),
        _route(sim, f"{c}/reload", "POST", _reload),
        _route(sim, f"{c}/break", "POST", _break),
        _route(sim, f"{c}/recover", "POST", _recover),
        _route(sim, "/_sim/faults", "POST", _script_fault),
        _route(sim, "/_sim/faults", "DELETE", _clear_faults),
        _route(sim, "/_sim/clock/advance", "POST", _advance),
        _route(sim, "/_sim/webhooks/deliver", "POST", _deliver),
        _route(sim, "/_sim/stats", "GET", _stats),
    ]
