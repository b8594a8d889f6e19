"""Re-syncs as Fivetran runs them: behind a running sync it can finish (409 when it cannot), and a paused
connection's re-sync at the resume, scoped or not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.simulator import ManualClock, Simulator
from tests.simulator.conftest import Api, first_with


def _postgres(sim: Simulator, health: str = "healthy") -> str:
    return next(
        c.id for c in sim.connections.values() if c.service == "postgres" and c.generated_health == health
    )


async def _scope(api: Api, cid: str) -> dict[str, list[str]]:
    schemas = (await api.get(f"/v1/connections/{cid}/schemas")).json()["data"]["schemas"]
    schema, config = next(iter(schemas.items()))
    return {schema: [next(iter(config["tables"]))]}


async def _status(api: Api, cid: str) -> dict[str, Any]:
    status: dict[str, Any] = (await api.connection(cid))["status"]
    return status


async def test_a_resync_waits_for_the_running_sync_then_runs(
    api: Api, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    sim.script_sync_outcome(healthy_id, "success", duration_s=300)
    sim.script_sync_outcome(healthy_id, "success", duration_s=900)
    await api.post(f"/v1/connections/{healthy_id}/sync", None)
    running = sim.connections[healthy_id].run
    clock.advance(100)
    response = await api.post(f"/v1/connections/{healthy_id}/resync", None)
    assert response.status_code == 200
    assert (
        response.json()["message"]
        == f"Re-sync has been successfully triggered for connection with id '{healthy_id}'"
    )
    assert sim.connections[healthy_id].run is running  # the running sync goes on
    assert (await _status(api, healthy_id))["is_historical_sync"] is False
    clock.advance(200)  # it ends; the re-sync starts at that moment
    after = await api.connection(healthy_id)
    assert datetime.fromisoformat(after["succeeded_at"]) == clock.now()
    assert (after["status"]["sync_state"], after["status"]["is_historical_sync"]) == ("syncing", True)
    clock.advance(900)
    assert (await _status(api, healthy_id))["sync_state"] == "scheduled"


async def test_a_resync_is_409_when_the_running_sync_cannot_complete(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    cid = _postgres(sim)
    for outcome in ("failure", "rescheduled"):
        sim.script_sync_outcome(cid, outcome, duration_s=60, reschedule_s=600)
        await api.post(f"/v1/connections/{cid}/sync", {"force": True})
        for path, body in ((f"/v1/connections/{cid}/resync", None),
                           (f"/v1/connections/{cid}/resync", {"scope": await _scope(api, cid)}),
                           (f"/v1/connections/{cid}/schemas/tables/resync", await _scope(api, cid))):  # fmt: skip
            response = await api.post(path, body)
            assert (response.status_code, response.json()["code"]) == (409, "Conflict"), (outcome, path)
            assert "cannot be completed" in response.json()["message"]
    clock.advance(60)  # the second one now waits for the source's quota: it cannot complete either
    assert (await _status(api, cid))["sync_state"] == "rescheduled"
    assert (await api.post(f"/v1/connections/{cid}/resync", None)).status_code == 409
    assert sim.connections[cid].pending_resync is None


async def test_a_scoped_resync_of_a_paused_connection_runs_when_it_is_resumed(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    cid = _postgres(sim)
    await api.patch(f"/v1/connections/{cid}", {"paused": True})
    scope = await _scope(api, cid)
    assert (await api.post(f"/v1/connections/{cid}/resync", {"scope": scope})).status_code == 200
    clock.advance(3600)
    assert (await _status(api, cid))["sync_state"] == "paused"
    resumed = (await api.patch(f"/v1/connections/{cid}", {"paused": False})).json()["data"]["status"]
    assert (resumed["sync_state"], resumed["is_historical_sync"]) == ("syncing", False)


async def test_a_table_resync_of_a_paused_connection_waits_too(api: Api, sim: Simulator) -> None:
    cid = _postgres(sim)
    await api.patch(f"/v1/connections/{cid}", {"paused": True})
    path = f"/v1/connections/{cid}/schemas/tables/resync"
    assert (await api.post(path, await _scope(api, cid))).status_code == 200
    assert sim.connections[cid].run is None
    await api.patch(f"/v1/connections/{cid}", {"paused": False})
    assert (await _status(api, cid))["sync_state"] == "syncing"


async def test_waiting_resyncs_make_one_and_a_full_one_wins(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    cid = _postgres(sim)
    sim.script_sync_outcome(cid, "success", duration_s=300)
    await api.post(f"/v1/connections/{cid}/sync", None)
    await api.post(f"/v1/connections/{cid}/resync", {"scope": await _scope(api, cid)})
    await api.post(f"/v1/connections/{cid}/resync", None)
    await api.post(f"/v1/connections/{cid}/resync", {"scope": await _scope(api, cid)})
    assert sim.connections[cid].pending_resync == "full"
    runs = sim.connections[cid].runs_started
    clock.advance(300)
    assert (await _status(api, cid))["is_historical_sync"] is True
    assert sim.connections[cid].runs_started == runs + 1


async def test_a_resync_behind_a_sync_of_a_connection_paused_meanwhile_waits_for_the_resume(
    api: Api, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    sim.script_sync_outcome(healthy_id, "success", duration_s=300)
    await api.post(f"/v1/connections/{healthy_id}/sync", None)
    await api.post(f"/v1/connections/{healthy_id}/resync", None)
    await api.patch(f"/v1/connections/{healthy_id}", {"paused": True})
    clock.advance(3600)
    assert (await _status(api, healthy_id))["sync_state"] == "paused"
    await api.patch(f"/v1/connections/{healthy_id}", {"paused": False})
    assert (await _status(api, healthy_id))["is_historical_sync"] is True


async def test_a_historical_flag_on_a_paused_connection_waits_for_the_resume(
    api: Api, sim: Simulator
) -> None:
    cid = first_with(sim, "paused")
    await api.patch(f"/v1/connections/{cid}", {"is_historical_sync": True})
    assert (await _status(api, cid))["sync_state"] == "paused"
    await api.patch(f"/v1/connections/{cid}", {"paused": False})
    assert (await _status(api, cid))["is_historical_sync"] is True
