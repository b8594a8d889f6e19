"""The simulated hub behind the real client, every request and answer checked against the definition,
with a switch that makes the hub unreachable: what the client, source and watcher tests run against."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import httpx

from bot.hvr import HvrClient
from bot.simulator.clock import ManualClock
from bot.simulator.hvr6.app import build_app
from bot.simulator.hvr6.hub import Hub
from tests.hvr.hvr_spec import validate_request, validate_response

START = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


class Checked(httpx.AsyncBaseTransport):
    """The simulator's ASGI app; `down` makes every request fail to connect, as a hub that is away."""

    def __init__(self, app: httpx.ASGITransport) -> None:
        self.app = app
        self.down = False
        self.requests: list[str] = []  # `GET /api/latest/hubs/hvrhub/jobs`: what the bot asked, in order
        self.forbidden: set[str] = set()  # path endings answered 403, as a hub user without the permission

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if any(request.url.path.endswith(end) for end in self.forbidden):
            self.requests.append(f"{request.method} {request.url.path}")
            return httpx.Response(403, text="F_JR0103E: Access denied", request=request)
        response = await self.app.handle_async_request(request)
        if not request.url.path.startswith("/_sim"):
            self.requests.append(f"{request.method} {request.url.path}")
            body = json.loads(request.content) if request.content else None
            validate_request(request.method, request.url.path, body, parse_qs(request.url.query.decode()))
            content = await response.aread()
            is_json = response.headers.get("content-type", "").startswith("application/json")
            if response.status_code < 400 and content and is_json:
                validate_response(request.method, request.url.path, response.status_code, json.loads(content))
        return response


async def _noop(seconds: float) -> None:
    return None


def hub_world(clock: ManualClock | None = None, channels: int = 8) -> tuple[Hub, HvrClient, Checked]:
    clock = clock or ManualClock(START)
    hub = Hub(clock=clock, channels=channels, seed=7, token_seconds=900)
    transport = Checked(httpx.ASGITransport(app=build_app(hub)))
    client = HvrClient(
        "http://sim",
        "demo",
        "demo",
        "hvrhub",
        clock=lambda: clock.now().timestamp(),
        sleep=_noop,
        transport=transport,
    )
    return hub, client, transport
