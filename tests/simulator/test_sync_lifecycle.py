"""The state machine, pinned with a ManualClock: nothing moves unless the test moves time."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from bot.simulator import ManualClock, Simulator
from tests.openapi_spec import validate_response
from tests.simulator.conftest import Api, first_with


def ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def test_a_triggered_sync_runs_then_moves_succeeded_at(api: Api, sim: Simulator, clock: ManualClock,
                                                             healthy_id: str) -> None:  # fmt: skip
    before = await api.connection(healthy_id)
    assert before["status"]["sync_state"] == "scheduled"
    sim.script_sync_outcome(healthy_id, "success", duration_s=120)
    await api.post(f"/v1/connections/{healthy_id}/sync", {})
    clock.advance(119)
    during = await api.connection(healthy_id)
    assert during["status"]["sync_state"] == "syncing"
    assert during["succeeded_at"] == before["succeeded_at"]
    clock.advance(1)
    after = await api.connection(healthy_id)
    assert after["status"]["sync_state"] == "scheduled"
    assert ts(after["succeeded_at"]) == clock.now()
    assert after["failed_at"] == before["failed_at"]


async def test_a_failing_sync_moves_failed_at_past_succeeded_at(api: Api, sim: Simulator, clock: ManualClock,
                                                                healthy_id: str) -> None:  # fmt: skip
    sim.script_sync_outcome(healthy_id, "failure", duration_s=30)
    await api.post(f"/v1/connections/{healthy_id}/sync", {})
    clock.advance(30)
    after = await api.connection(healthy_id)
    assert ts(after["failed_at"]) == clock.now()
    assert ts(after["failed_at"]) > ts(after["succeeded_at"])  # type: ignore[operator]


async def test_unscripted_syncs_end_the_same_way_for_the_same_seed(clock: ManualClock) -> None:
    ends = []
    for _ in range(2):
        own_clock = ManualClock(clock.now())
        sim = Simulator(seed=11, clock=own_clock)
        cid = first_with(sim, "failing")
        sim.sync(cid, force=False)
        own_clock.advance(3600)
        sim.tick()
        conn = sim.connections[cid]
        ends.append((conn.succeeded_at, conn.failed_at))
    assert ends[0] == ends[1]


async def test_a_broken_connection_sync_fails(sim: Simulator, clock: ManualClock) -> None:
    cid = first_with(sim, "broken")
    before = sim.connections[cid].failed_at
    sim.sync(cid, force=False)
    clock.advance(3600)
    sim.tick()
    assert sim.connections[cid].failed_at != before
    assert sim.connections[cid].run is None


async def test_sync_without_force_while_syncing_changes_nothing(api: Api, sim: Simulator, clock: ManualClock,
                                                                healthy_id: str) -> None:  # fmt: skip
    sim.script_sync_outcome(healthy_id, "success", duration_s=100)
    sim.script_sync_outcome(healthy_id, "success", duration_s=100)
    await api.post(f"/v1/connections/{healthy_id}/sync", {})
    clock.advance(60)
    await api.post(f"/v1/connections/{healthy_id}/sync", {"force": False})
    clock.advance(40)
    assert ts((await api.connection(healthy_id))["succeeded_at"]) == clock.now()


async def test_force_restarts_a_running_sync(
    api: Api, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    sim.script_sync_outcome(healthy_id, "success", duration_s=100)
    sim.script_sync_outcome(healthy_id, "success", duration_s=100)
    await api.post(f"/v1/connections/{healthy_id}/sync", {})
    first_run = sim.connections[healthy_id].run
    clock.advance(60)
    await api.post(f"/v1/connections/{healthy_id}/sync", {"force": True})
    assert sim.connections[healthy_id].run is not first_run
    clock.advance(40)  # the first run would have ended here
    assert (await api.connection(healthy_id))["status"]["sync_state"] == "syncing"
    clock.advance(60)
    assert ts((await api.connection(healthy_id))["succeeded_at"]) == clock.now()


async def test_resync_while_a_sync_that_cannot_complete_runs_is_409_conflict(
    api: Api, sim: Simulator, healthy_id: str
) -> None:
    # the running sync will fail: Fivetran cannot complete it first, so the re-sync is declined
    sim.script_sync_outcome(healthy_id, "failure", duration_s=300)
    await api.post(f"/v1/connections/{healthy_id}/sync", {})
    body: dict[str, object] | None
    for path, body in [(f"/v1/connections/{healthy_id}/resync", {}),
                       (f"/v1/connections/{healthy_id}/resync", None)]:  # fmt: skip
        response = await api.post(path, body)
        assert response.status_code == 409
        assert response.json()["code"] == "Conflict"
    assert sim.connections[healthy_id].pending_resync is None


async def test_historical_resync_flags_the_connection_until_that_sync_ends(api: Api, sim: Simulator,
                                                                           clock: ManualClock, healthy_id: str) -> None:  # fmt: skip
    sim.script_sync_outcome(healthy_id, "success", duration_s=500)
    assert (await api.post(f"/v1/connections/{healthy_id}/resync", None)).status_code == 200
    during = await api.connection(healthy_id)
    assert during["status"]["is_historical_sync"] is True
    assert during["status"]["sync_state"] == "syncing"
    clock.advance(500)
    after = await api.connection(healthy_id)
    assert after["status"]["is_historical_sync"] is False
    assert ts(after["succeeded_at"]) == clock.now()


async def test_historical_resync_of_a_paused_connection_waits_for_the_resume(
    api: Api, sim: Simulator
) -> None:
    cid = first_with(sim, "paused")
    assert (await api.post(f"/v1/connections/{cid}/resync", {})).status_code == 200
    assert (await api.connection(cid))["status"]["sync_state"] == "paused"
    resumed = (await api.patch(f"/v1/connections/{cid}", {"paused": False})).json()["data"]
    assert resumed["status"]["sync_state"] == "syncing"
    assert resumed["status"]["is_historical_sync"] is True


@pytest.mark.parametrize(
    ("scope", "reason"),
    [({}, "empty scope"), ({"public": []}, "empty table list"), ({"nope": ["users"]}, "unknown schema")],
)
async def test_invalid_resync_scope_is_400(
    api: Api, sim: Simulator, scope: dict[str, list[str]], reason: str
) -> None:
    cid = next(c.id for c in sim.connections.values() if c.service == "postgres")
    response = await api.post(f"/v1/connections/{cid}/resync", {"scope": scope})
    assert response.status_code == 400, reason


async def test_resync_scope_with_an_unknown_table_is_400_and_a_known_one_runs(
    api: Api, sim: Simulator
) -> None:
    cid = next(c.id for c in sim.connections.values() if c.service == "postgres" and c.run is None)
    schemas = (await api.get(f"/v1/connections/{cid}/schemas")).json()["data"]["schemas"]
    schema, config = next(iter(schemas.items()))
    table = next(iter(config["tables"]))
    bad = await api.post(f"/v1/connections/{cid}/resync", {"scope": {schema: [table, "no_such_table"]}})
    assert bad.status_code == 400
    good = await api.post(f"/v1/connections/{cid}/resync", {"scope": {schema: [table]}})
    assert good.status_code == 200
    assert (await api.connection(cid))["status"]["sync_state"] == "syncing"


async def test_resync_scope_on_an_app_connector_is_400(api: Api, sim: Simulator) -> None:
    cid = next(c.id for c in sim.connections.values() if c.service == "salesforce")
    response = await api.post(f"/v1/connections/{cid}/resync", {"scope": {"salesforce": ["account"]}})
    assert response.status_code == 400


async def test_table_resync_validates_the_tables_and_starts_a_sync(
    api: Api, sim: Simulator, healthy_id: str
) -> None:
    schemas = (await api.get(f"/v1/connections/{healthy_id}/schemas")).json()["data"]["schemas"]
    schema, config = next(iter(schemas.items()))
    table = next(iter(config["tables"]))
    path = f"/v1/connections/{healthy_id}/schemas/tables/resync"
    assert (await api.post(path, {schema: ["no_such_table"]})).status_code == 400
    assert (await api.post(path, {schema: [table]})).status_code == 200
    assert (await api.connection(healthy_id))["status"]["sync_state"] == "syncing"
    # a second one while the first runs (and will succeed) waits for it
    assert (await api.post(path, {schema: [table]})).status_code == 200
    assert sim.connections[healthy_id].pending_resync == "tables"


async def test_pause_and_resume_change_paused_and_sync_state(api: Api, healthy_id: str) -> None:
    paused = (await api.patch(f"/v1/connections/{healthy_id}", {"paused": True})).json()["data"]
    assert (paused["paused"], paused["status"]["sync_state"]) == (True, "paused")
    resumed = (await api.patch(f"/v1/connections/{healthy_id}", {"paused": False})).json()["data"]
    assert (resumed["paused"], resumed["status"]["sync_state"]) == (False, "scheduled")


async def test_a_paused_connection_does_not_sync_when_asked(api: Api, sim: Simulator,
                                                             clock: ManualClock) -> None:  # fmt: skip
    cid = first_with(sim, "paused")
    before = await api.connection(cid)
    for path, body in ((f"/v1/connections/{cid}/sync", {}), (f"/v1/connections/{cid}/sync", {"force": True})):
        assert (await api.post(path, body)).status_code == 200
    assert sim.connections[cid].run is None
    clock.advance(3600)
    after = await api.connection(cid)
    assert after["status"]["sync_state"] == "paused"
    assert after["succeeded_at"] == before["succeeded_at"]
    # nothing was remembered for the resume either
    resumed = (await api.patch(f"/v1/connections/{cid}", {"paused": False})).json()["data"]
    assert resumed["status"]["sync_state"] == "scheduled"


async def test_a_rescheduled_connection_stays_rescheduled_until_its_time(api: Api, sim: Simulator,
                                                                         clock: ManualClock) -> None:  # fmt: skip
    cid = first_with(sim, "rescheduled")
    assert sim.connections[cid].schedule_type == "auto"  # a manual one waits for POST /sync instead
    before = await api.connection(cid)
    assert before["status"]["sync_state"] == "rescheduled"
    resume_at = ts(before["status"]["rescheduled_for"])
    assert resume_at is not None and resume_at > clock.now()
    await api.post(f"/v1/connections/{cid}/sync", {"force": True})
    clock.advance((resume_at - clock.now()).total_seconds() - 1)
    still = await api.connection(cid)
    assert still["status"]["sync_state"] == "rescheduled"
    assert still["succeeded_at"] == before["succeeded_at"]
    clock.advance(1)
    assert (await api.connection(cid))["status"]["sync_state"] == "syncing"
    clock.advance(3600)
    done = await api.connection(cid)
    assert done["status"]["sync_state"] == "scheduled"
    assert "rescheduled_for" not in done["status"]
    assert ts(done["succeeded_at"]) > ts(before["succeeded_at"])  # type: ignore[operator]


async def test_a_scripted_rescheduled_sync_waits_then_succeeds(api: Api, sim: Simulator, clock: ManualClock,
                                                               healthy_id: str) -> None:  # fmt: skip
    sim.script_sync_outcome(healthy_id, "rescheduled", duration_s=60, reschedule_s=600)
    await api.post(f"/v1/connections/{healthy_id}/sync", {})
    clock.advance(60)
    waiting = await api.connection(healthy_id)
    assert waiting["status"]["sync_state"] == "rescheduled"
    assert ts(waiting["status"]["rescheduled_for"]) == clock.now() + timedelta(seconds=600)
    clock.advance(600 + 60)
    assert ts((await api.connection(healthy_id))["succeeded_at"]) == clock.now()


async def test_setup_tests_reflect_health(api: Api, sim: Simulator) -> None:
    broken = sim.connections[first_with(sim, "broken")]
    results = (await api.post(f"/v1/connections/{broken.id}/test", {})).json()["data"]["setup_tests"]
    failed = [r for r in results if r["status"] == "FAILED"]
    assert [r["message"] for r in failed] == [broken.tasks[0]["message"]]
    healthy = (await api.post(f"/v1/connections/{first_with(sim, 'healthy')}/test", {})).json()["data"]
    statuses = {r["status"] for r in healthy["setup_tests"]}
    assert "FAILED" not in statuses and "PASSED" in statuses and "SKIPPED" in statuses


async def test_setup_tests_run_without_a_body(client: httpx.AsyncClient, healthy_id: str) -> None:
    # the definition calls an omitted body a 400; live Fivetran and its CLI run the tests without one
    for content, headers in (
        (b"", {}),
        (b"", {"Content-Type": "application/json"}),
        (b"{}", {"Content-Type": "application/json"}),
    ):
        response = await client.post(f"/v1/connections/{healthy_id}/test", content=content, headers=headers)
        assert response.status_code == 200, (content, headers)
        validate_response("POST", f"/v1/connections/{healthy_id}/test", 200, response.json())
        assert response.json()["data"]["setup_tests"]


async def test_system_tables_cannot_be_patched_but_others_can(
    api: Api, sim: Simulator, healthy_id: str
) -> None:
    schemas = (await api.get(f"/v1/connections/{healthy_id}/schemas")).json()["data"]["schemas"]
    for schema, config in schemas.items():
        for table, settings in config["tables"].items():
            path = f"/v1/connections/{healthy_id}/schemas/{schema}/tables/{table}"
            response = await api.patch(path, {"enabled": False})
            if settings["enabled_patch_settings"]["allowed"]:
                assert response.status_code == 200
                assert response.json()["data"]["schemas"][schema]["tables"][table]["enabled"] is False
            else:
                assert settings["enabled_patch_settings"]["reason_code"] == "SYSTEM_TABLE"
                assert response.status_code == 400


async def test_patch_validates_schedule_fields(api: Api, healthy_id: str) -> None:
    path = f"/v1/connections/{healthy_id}"
    for body in ({"sync_frequency": 7}, {"schedule_type": "sometimes"}, {"daily_sync_time": "03:30"}, {}):
        response = await api.call("PATCH", path, body, check_request=False)
        assert response.status_code == 400, body
    ok = (await api.patch(path, {"sync_frequency": 1440, "daily_sync_time": "03:00"})).json()["data"]
    assert (ok["sync_frequency"], ok["daily_sync_time"]) == (1440, "03:00")
