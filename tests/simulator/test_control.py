"""`/_sim/...` drives a simulator in another process the way the Python methods drive it in-process."""

from __future__ import annotations

import httpx

from bot.simulator import ManualClock, Simulator
from tests.simulator.conftest import client_for, first_with


async def test_control_endpoints_script_a_sync_move_the_clock_and_break_a_connection(sim: Simulator,
                                                                                     client: httpx.AsyncClient) -> None:  # fmt: skip
    cid = first_with(sim, "healthy")
    assert (await client.post(f"/_sim/connections/{cid}/outcome", json={"outcome": "failure",
                                                                       "duration_s": 5})).status_code == 200  # fmt: skip
    await client.post(f"/v1/connections/{cid}/sync", json={})
    await client.post("/_sim/clock/advance", json={"seconds": 5})
    conn = (await client.get(f"/v1/connections/{cid}")).json()["data"]
    assert conn["failed_at"] > conn["succeeded_at"]
    await client.post(f"/_sim/connections/{cid}/break", json={"message": "Reconnect please"})
    assert sim.connections[cid].tasks[0]["message"] == "Reconnect please"
    await client.post(f"/_sim/connections/{cid}/recover")
    assert sim.connections[cid].setup_state == "connected"
    await client.post("/_sim/faults", json={"path_regex": "/v1/groups$", "status": 502})
    assert (await client.get("/v1/groups")).status_code == 502
    stats = (await client.get("/_sim/stats")).json()["data"]
    assert stats["request_count"] == sim.request_count == 3  # control requests are not counted
    assert (await client.post("/_sim/webhooks/deliver")).json()["data"] == {"delivered": 0}


async def test_control_endpoints_need_credentials_and_valid_input(sim: Simulator) -> None:
    async with client_for(sim, auth=("demo", "nope")) as client:
        assert (await client.get("/_sim/stats")).status_code == 401
    async with client_for(sim) as client:
        bad = await client.post(
            f"/_sim/connections/{first_with(sim, 'healthy')}/outcome", json={"outcome": "maybe"}
        )
        assert bad.status_code == 400
        assert (await client.post("/_sim/connections/nope/break")).status_code == 404


async def test_the_clock_of_a_scaled_simulator_cannot_be_advanced() -> None:
    from bot.simulator import ScaledClock

    async with client_for(Simulator(clock=ScaledClock(10))) as client:
        assert (await client.post("/_sim/clock/advance", json={"seconds": 5})).status_code == 409
    assert isinstance(Simulator().clock, ManualClock)
