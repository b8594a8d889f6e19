"""What every simulated answer goes through: counting, latency, scripted faults, Basic auth, the JSON
content type, the rate limits (`limits.py`), the error rate, and the rate-limit headers. Handlers only
compute."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from bot.simulator.errors import ApiError, invalid
from bot.simulator.faults import ScriptedFault, SimulatedConnectionReset
from bot.simulator.limits import Refused, rate_classes
from bot.simulator.simulator import Simulator

Answer = tuple[int, dict[str, Any]]
Handler = Callable[[Simulator, Request, Any], Awaitable[Answer]]

_STATUS_CODES = {400: "BadRequest", 401: "AuthFailed", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                 429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable",
                 504: "GatewayTimeout"}  # fmt: skip


def json_response(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status_code=status, headers=headers, media_type="application/json")


class _ResetResponse(Response):
    """Starts an answer, then drops the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})  # fmt: skip
        raise SimulatedConnectionReset("Server disconnected without sending a complete response.")


def credentials_ok(sim: Simulator, request: Request) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        key, sep, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    # both compared, always, so the time taken says nothing about which half was wrong
    key_ok = secrets.compare_digest(key.encode(), sim.api_key.encode())
    secret_ok = secrets.compare_digest(secret.encode(), sim.api_secret.encode())
    return bool(sep) and key_ok and secret_ok


async def read_json(request: Request, *, optional_body: bool = False) -> Any:
    """The request body: None when empty; 415 without a JSON content type; 400 when it does not parse.
    Where the body is optional, an empty one needs no content type (Fivetran's CLI sends none)."""
    raw = await request.body()
    if not raw.strip() and optional_body:
        return None
    if request.method in ("POST", "PATCH"):
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ApiError(415, "UnsupportedMediaType", "Content-Type must be 'application/json'")
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid("The request body is not valid JSON") from None


async def answer(
    sim: Simulator, operation: str, request: Request, handler: Handler, *, optional_body: bool = False
) -> Response:
    sim.request_count += 1
    sim.requests_by_operation[operation] += 1
    if sim.faults.latency_ms > 0:
        await sim.sleep(sim.faults.latency_ms / 1000)
    fault = sim.faults.take(request.method, request.url.path)
    if fault is not None and fault.delay_s > 0:
        await sim.sleep(fault.delay_s)
    now = sim.tick()
    headers: dict[str, str] = {}
    try:
        if fault is not None and fault.kind == "status":
            if fault.status == 429:
                headers["Retry-After"] = "1"
            raise ApiError(fault.status, _STATUS_CODES.get(fault.status, "Error"), "Simulated fault")
        if fault is not None and fault.kind == "unexpected_code":
            status, payload = 200, {"code": "Weird", "message": "Simulated unexpected answer"}
        else:
            if not credentials_ok(sim, request):
                raise ApiError(401, "AuthFailed", "Missing or invalid API key or secret")
            # read first: whether a PATCH is a setup test depends on its body
            body = await read_json(request, optional_body=optional_body)
            try:
                sim.limits.spend(now, rate_classes(operation, body))
            except Refused as refused:
                headers["Retry-After"] = str(refused.retry_after)
                raise ApiError(429, "TooManyRequests", refused.message) from None
            if sim.faults.roll_error():
                raise ApiError(500, "InternalServerError", "Simulated internal error")
            status, payload = await handler(sim, request, body)
    except ApiError as error:
        status, payload = error.status, {"code": error.code, "message": error.message}
        headers.update(error.headers)
    headers["X-Rate-Limit"] = str(sim.limits.hourly_budget)
    headers["X-Rate-Limit-Remaining"] = str(sim.limits.remaining(now))
    return _faulty(fault, status, payload, headers)


def _faulty(
    fault: ScriptedFault | None, status: int, payload: dict[str, Any], headers: dict[str, str]
) -> Response:
    if fault is not None and fault.kind == "reset":
        return _ResetResponse()
    response = json_response(status, payload, headers)
    if fault is not None and fault.kind == "malformed_json":
        text = json.dumps(payload)
        return Response(text[: max(1, len(text) // 2)], status_code=status, headers=headers,
                        media_type="application/json")  # fmt: skip
    return response
