"""Slack's wire format: how calls arrive (query, form or JSON) and how refusals look on the wire."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from aiohttp import web

from bot.slack_double.faults import Fault

JSON_CONTENT = "application/json"


def ack_payload(body: dict[str, Any] | str) -> dict[str, Any] | None:
    if isinstance(body, dict):
        return body
    if not body.strip():
        return None
    if body.lstrip().startswith("{"):
        with contextlib.suppress(ValueError):
            parsed = json.loads(body)
            if isinstance(parsed, dict):
                return parsed
    return {"text": body}


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query string plus body, as slack_sdk mixes them: `params=` goes in the query, `json=` or `data=` in the
    body. Raises ValueError for a body that claims JSON and is not.
    """
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == JSON_CONTENT:
            body = json.loads(await request.text() or "{}")
            if not isinstance(body, dict):
                raise ValueError("a JSON body must be an object")
            params.update(body)
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


def ok_false(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error})


def rate_limited(retry_after: int) -> web.Response:
    return web.json_response(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
    )


def fault_response(fault: Fault) -> web.Response:
    if fault.error is not None:
        return ok_false(fault.error)
    if fault.status == 429:
        return rate_limited(fault.retry_after)
    # Slack's load balancers answer outages with an HTML page, not JSON: clients must cope with that.
    return web.Response(
        status=fault.status, text="<html><body>Service Unavailable</body></html>", content_type="text/html"
    )
