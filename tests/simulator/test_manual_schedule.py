"""`schedule_type: manual`: nothing runs unless `POST /sync` asks, and a sync `rescheduled` for the
source's quota waits for a new `POST /sync` instead of resuming at `rescheduled_for` by itself."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from bot.simulator import ManualClock, Simulator
from tests.simulator.conftest import Api


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _manual(api: Api, cid: str) -> None:
    # as Fivetran's tutorial does it
    body = {"schedule_type": "manual", "run_setup_tests": False}
    assert (await api.patch(f"/v1/connections/{cid}", body)).json()["data"]["schedule_type"] == "manual"


async def _rescheduled(api: Api, sim: Simulator, clock: ManualClock, cid: str) -> datetime:
    """Trigger a sync the source's quota stops after 60 s, for 600 s; returns its `rescheduled_for`."""
    sim.script_sync_outcome(cid, "rescheduled", duration_s=60, reschedule_s=600)
    await api.post(f"/v1/connections/{cid}/sync", None)
    clock.advance(60)
    status = (await api.connection(cid))["status"]
    assert status["sync_state"] == "rescheduled"
    return ts(status["rescheduled_for"])


async def test_nothing_runs_on_a_manual_connection_unless_asked(
    api: Api, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    await _manual(api, healthy_id)
    before = await api.connection(healthy_id)
    clock.advance(2 * 86_400)
    after = await api.connection(healthy_id)
    assert (after["status"]["sync_state"], after["succeeded_at"]) == ("scheduled", before["succeeded_at"])
    assert sim.connections[healthy_id].runs_started == 0


async def test_a_rescheduled_manual_sync_waits_for_a_new_sync_request(
    api: Api, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    await _manual(api, healthy_id)
    resume_at = await _rescheduled(api, sim, clock, healthy_id)
    before = await api.connection(healthy_id)
    clock.advance(600 + 3600)  # well past rescheduled_for: live Fivetran does not resume it
    waiting = await api.connection(healthy_id)
    assert waiting["status"]["sync_state"] == "rescheduled"
    assert ts(waiting["status"]["rescheduled_for"]) == resume_at
    assert waiting["succeeded_at"] == before["succeeded_at"]
    await api.post(f"/v1/connections/{healthy_id}/sync", None)  # what the person, or the bot, does
    assert (await api.connection(healthy_id))["status"]["sync_state"] == "syncing"
    clock.advance(60)
    done = await api.connection(healthy_id)
    assert done["status"]["sync_state"] == "scheduled" and ts(done["succeeded_at"]) == clock.now()


async def test_a_sync_request_before_rescheduled_for_resumes_the_manual_sync_at_that_time(
    api: Api, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    await _manual(api, healthy_id)
    resume_at = await _rescheduled(api, sim, clock, healthy_id)
    await api.post(f"/v1/connections/{healthy_id}/sync", {"force": True})  # the quota is not back yet
    clock.advance((resume_at - clock.now()).total_seconds() - 1)
    assert (await api.connection(healthy_id))["status"]["sync_state"] == "rescheduled"
    clock.advance(1)
    assert (await api.connection(healthy_id))["status"]["sync_state"] == "syncing"


async def test_an_auto_connection_keeps_resuming_by_itself(
    api: Api, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    assert sim.connections[healthy_id].schedule_type == "auto"
    resume_at = await _rescheduled(api, sim, clock, healthy_id)
    clock.advance((resume_at - clock.now()).total_seconds())
    assert (await api.connection(healthy_id))["status"]["sync_state"] == "syncing"


async def test_other_edits_of_a_waiting_manual_connection_keep_it_waiting(
    api: Api, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    await _manual(api, healthy_id)
    resume_at = await _rescheduled(api, sim, clock, healthy_id)
    clock.advance(3600)
    edited = (await api.patch(f"/v1/connections/{healthy_id}", {"sync_frequency": 60})).json()["data"]
    assert edited["status"]["sync_state"] == "rescheduled"
    assert ts(edited["status"]["rescheduled_for"]) == resume_at


async def test_switching_a_waiting_manual_connection_to_auto_lets_it_resume(
    api: Api, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    await _manual(api, healthy_id)
    await _rescheduled(api, sim, clock, healthy_id)
    clock.advance(3600)
    await api.patch(f"/v1/connections/{healthy_id}", {"schedule_type": "auto"})
    assert (await api.connection(healthy_id))["status"]["sync_state"] == "syncing"


async def test_the_generated_account_has_manual_connections_and_a_waiting_manual_sync(
    clock: ManualClock,
) -> None:
    small = Simulator(connections=12, groups=2, clock=ManualClock(clock.now()))
    assert any(c.schedule_type == "manual" for c in small.connections.values())
    big = Simulator(connections=200, clock=clock)
    waiting = [c for c in big.connections.values() if c.run is not None and c.schedule_type == "manual"]
    assert waiting and all(c.run is not None and c.run.phase == "rescheduled" for c in waiting)
    clock.advance(86_400)  # long after every rescheduled_for
    big.tick()
    assert all(c.run is not None and c.run.phase == "rescheduled" for c in waiting)
    assert all(c.run is None for c in big.connections.values() if c.schedule_type == "auto")


async def test_a_rescheduled_end_can_be_scripted_over_http(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    body = {"outcome": "rescheduled", "duration_s": 30, "reschedule_s": 120}
    assert (await client.post(f"/_sim/connections/{healthy_id}/outcome", json=body)).status_code == 200
    await client.post(f"/v1/connections/{healthy_id}/sync")
    await client.post("/_sim/clock/advance", json={"seconds": 30})
    status = (await client.get(f"/v1/connections/{healthy_id}")).json()["data"]["status"]
    assert status["sync_state"] == "rescheduled"
    assert ts(status["rescheduled_for"]) == clock.now() + timedelta(seconds=120)
