"""Faults on demand: the hourly budget, latency, the error rate and one-shot scripted faults."""

from __future__ import annotations

import httpx
import pytest

from bot.simulator import ManualClock, Simulator
from bot.simulator.faults import SimulatedConnectionReset
from tests.fakes import FakeSleep
from tests.simulator.conftest import client_for


async def test_429_with_retry_after_once_the_hourly_budget_is_spent(clock: ManualClock) -> None:
    sim = Simulator(clock=clock, hourly_budget=3)
    async with client_for(sim) as client:
        for remaining in ("2", "1", "0"):
            response = await client.get("/v1/groups")
            assert response.headers["X-Rate-Limit-Remaining"] == remaining
            clock.advance(600)
        refused = await client.get("/v1/groups")
        assert refused.status_code == 429
        assert refused.json()["code"] == "TooManyRequests"
        # the first request leaves the rolling hour 3600 s after it came, 1800 s from now
        assert refused.headers["Retry-After"] == "1800"
        clock.advance(1800)
        assert (await client.get("/v1/groups")).status_code == 200


async def test_latency_goes_through_the_injected_sleep(clock: ManualClock, fake_sleep: FakeSleep) -> None:
    sim = Simulator(clock=clock, latency_ms=50, sleep=fake_sleep)
    async with client_for(sim) as client:
        await client.get("/v1/groups")
    assert fake_sleep.waits == [0.05]


async def test_error_rate_answers_500_deterministically(clock: ManualClock) -> None:
    runs = []
    for _ in range(2):
        sim = Simulator(clock=ManualClock(clock.now()), error_rate=0.3)
        async with client_for(sim) as client:
            runs.append([(await client.get("/v1/groups")).status_code for _ in range(40)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500}


async def test_a_scripted_status_fault_fires_once_on_matching_requests(client: httpx.AsyncClient, sim: Simulator,
                                                                       healthy_id: str) -> None:  # fmt: skip
    sim.faults.script(method="POST", path_regex=r"/sync$", status=503, times=1)
    assert (await client.get(f"/v1/connections/{healthy_id}")).status_code == 200
    first = await client.post(f"/v1/connections/{healthy_id}/sync", json={})
    assert (first.status_code, first.json()["code"]) == (503, "ServiceUnavailable")
    assert (await client.post(f"/v1/connections/{healthy_id}/sync", json={})).status_code == 200


async def test_malformed_json_fault_truncates_the_body(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.script(path_regex="/v1/groups$", kind="malformed_json")
    response = await client.get("/v1/groups")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


async def test_reset_fault_surfaces_as_a_transport_error(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.script(path_regex="/v1/groups$", kind="reset")
    with pytest.raises(httpx.TransportError) as caught:
        await client.get("/v1/groups")
    assert isinstance(caught.value, SimulatedConnectionReset)
    assert (await client.get("/v1/groups")).status_code == 200


async def test_delay_fault_sleeps_then_answers(
    client: httpx.AsyncClient, sim: Simulator, fake_sleep: FakeSleep
) -> None:
    sim.faults.script(path_regex="/v1/groups$", delay_s=30)
    assert (await client.get("/v1/groups")).status_code == 200
    assert fake_sleep.waits == [30]


async def test_unexpected_code_fault_answers_200_weird(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.script(kind="unexpected_code")
    response = await client.get("/v1/groups")
    assert (response.status_code, response.json()["code"]) == (200, "Weird")
    assert "data" not in response.json()


async def test_a_scripted_429_carries_retry_after(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.script(status=429, times=2)
    for _ in range(2):
        response = await client.get("/v1/groups")
        assert (response.status_code, response.headers["Retry-After"]) == (429, "1")
    assert (await client.get("/v1/groups")).status_code == 200


def test_scripting_an_unknown_fault_kind_is_refused(sim: Simulator) -> None:
    with pytest.raises(ValueError):
        sim.faults.script(kind="meteor")  # type: ignore[arg-type]
