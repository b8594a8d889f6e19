from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.simulator import ManualClock, Simulator, build_app
from tests.fakes import FakeSleep
from tests.openapi_spec import validate_request, validate_response

AUTH = ("demo", "demo")


class Api:
    """An httpx client that checks every request it sends and every answer it gets against the spec."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, str] | None = None,
        check_request: bool = True,
        unofficial: bool = False,
    ) -> httpx.Response:
        """`unofficial`: the request may be one only live Fivetran serves (`/force`, `/v1/connectors…`)."""
        if check_request:
            validate_request(method, path, body, params, unofficial=unofficial)
        kwargs: dict[str, Any] = {"params": params}
        if body is not None:
            kwargs["json"] = body
        elif method in ("POST", "PATCH"):
            kwargs["headers"] = {"Content-Type": "application/json"}
        response = await self.client.request(method, path, **kwargs)
        validate_response(method, path, response.status_code, response.json())
        return response

    async def get(self, path: str, **params: str) -> httpx.Response:
        return await self.call("GET", path, params=params or None)

    async def post(self, path: str, body: Any = None) -> httpx.Response:
        return await self.call("POST", path, body)

    async def patch(self, path: str, body: Any) -> httpx.Response:
        return await self.call("PATCH", path, body)

    async def delete(self, path: str) -> httpx.Response:
        return await self.call("DELETE", path)

    async def connection(self, connection_id: str) -> dict[str, Any]:
        response = await self.get(f"/v1/connections/{connection_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


def client_for(sim: Simulator, auth: tuple[str, str] | None = AUTH) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(sim)), base_url="http://simulator", auth=auth
    )


def first_with(sim: Simulator, health: str) -> str:
    return next(c.id for c in sim.connections.values() if c.generated_health == health)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def sim(clock: ManualClock, fake_sleep: FakeSleep) -> Simulator:
    return Simulator(seed=7, groups=4, connections=60, clock=clock, sleep=fake_sleep)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(sim) as c:
        yield c


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


@pytest.fixture
def healthy_id(sim: Simulator) -> str:
    return first_with(sim, "healthy")


async def send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    content: bytes = b"",
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    """A request exactly as a client shapes it (no body and no Content-Type unless given), its answer
    checked against the (patched) spec."""
    response = await client.request(method, path, content=content, headers=headers or {}, params=params)
    validate_response(method, path, response.status_code, response.json())
    return response
