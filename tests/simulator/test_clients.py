"""The simulator driven the way the Fivetran clients data teams run drive live Fivetran, each shape taken
from that client's documented behaviour (reference §§4–7, issue 19), not from its code: Fivetran's own CLI,
dagster-fivetran, the async Airflow provider and Fivetran's Go SDK. Every answer is checked against the
(patched) definition; time is the simulator's ManualClock, so nothing really waits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from bot.simulator import ManualClock, Simulator
from tests.simulator.conftest import first_with, send

JSON = {"Content-Type": "application/json"}
V2 = {"Accept": "application/json;version=2"}
EPOCH = "0001-01-01T00:00:00+00:00"


async def details(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await send(client, "GET", path, headers=V2)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def last_end(connection: dict[str, Any]) -> datetime:
    """dagster's poll: the later of succeeded_at and failed_at, a null counting as year 1."""
    return max(datetime.fromisoformat(connection[k] or EPOCH) for k in ("succeeded_at", "failed_at"))


async def poll_until_it_ends(
    client: httpx.AsyncClient, clock: ManualClock, path: str, before: datetime
) -> dict[str, Any]:
    for _ in range(200):
        connection = await details(client, path)
        if last_end(connection) > before:
            return connection
        clock.advance(15)  # the Airflow trigger's 15 s between polls
    raise AssertionError("the sync never ended")


# --- Fivetran's CLI: bodiless POSTs, no Content-Type ------------------------------------------------------


async def test_fivetran_cli_syncs_tests_reloads_and_resyncs_with_bodiless_posts(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    cid = first_with(sim, "healthy")
    path = f"/v1/connections/{cid}"
    before = last_end(await details(client, path))
    assert (await send(client, "POST", f"{path}/sync")).status_code == 200
    done = await poll_until_it_ends(client, clock, path, before)
    assert done["succeeded_at"] > (done["failed_at"] or "")
    tests = await send(client, "POST", f"{path}/test")
    assert {t["status"] for t in tests.json()["data"]["setup_tests"]} <= {"PASSED", "SKIPPED", "WARNING"}
    assert (await send(client, "POST", f"{path}/schemas/reload")).json()["data"]["schemas"]
    assert (await send(client, "POST", f"{path}/resync")).status_code == 200
    assert (await details(client, path))["status"]["is_historical_sync"] is True
    assert sim.legacy_alias_requests == 0


# --- dagster-fivetran: /v1/connectors, destinations, /force, poll on succeeded_at / failed_at ---------------


async def test_dagster_discovers_the_workspace_then_syncs_by_the_connectors_names(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    groups, cursor = [], None
    while True:
        page = (
            await send(
                client, "GET", "/v1/groups", params={"limit": "1", **({"cursor": cursor} if cursor else {})}
            )
        ).json()["data"]
        groups += page["items"]
        if not (cursor := page.get("next_cursor")):
            break
    assert [g["id"] for g in groups] == list(sim.groups)
    connectors: list[dict[str, Any]] = []
    for group in groups:
        destination = await details(client, f"/v1/destinations/{group['id']}")
        assert destination["group_id"] == group["id"]
        connectors += (await send(client, "GET", f"/v1/groups/{group['id']}/connectors")).json()["data"][
            "items"
        ]
    assert len(connectors) == len(sim.connections)
    # dagster syncs only what is not paused and is connected
    target = next(c for c in connectors if not c["paused"] and c["status"]["setup_state"] == "connected"
                  and c["status"]["sync_state"] == "scheduled")  # fmt: skip
    path = f"/v1/connectors/{target['id']}"
    assert (await send(client, "GET", f"{path}/schemas")).status_code == 200
    # disable_schedule_on_trigger: the connector goes manual first
    patched = await send(client, "PATCH", path, content=b'{"schedule_type": "manual"}', headers=JSON)
    assert patched.json()["data"]["schedule_type"] == "manual"
    before = last_end(await details(client, path))
    forced = await send(client, "POST", f"{path}/force")
    assert forced.json()["code"] == "Success"
    done = await poll_until_it_ends(client, clock, path, before)
    assert last_end(done) > before
    # all of it came by the legacy names, and each was counted for the bot's tests to see
    assert set(sim.legacy_aliases) == {
        "GET /v1/groups/{group_id}/connectors", "GET /v1/connectors/{connection_id}/schemas",
        "PATCH /v1/connectors/{connection_id}", "GET /v1/connectors/{connection_id}",
        "POST /v1/connectors/{connection_id}/force",
    }  # fmt: skip
    assert sim.legacy_aliases["GET /v1/groups/{group_id}/connectors"] == len(groups)


# --- the async Airflow provider: /v1/connectors/{id}, /force, a manual connector rescheduled --------------


async def test_airflow_restarts_a_rescheduled_manual_connector_at_rescheduled_for(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    cid = first_with(sim, "healthy")
    path = f"/v1/connectors/{cid}"
    await send(
        client, "PATCH", path, content=b'{"schedule_type": "manual", "run_setup_tests": false}', headers=JSON
    )
    sim.script_sync_outcome(cid, "rescheduled", duration_s=120, reschedule_s=900)
    before = last_end(await details(client, path))
    assert (await send(client, "POST", f"{path}/force")).status_code == 200
    clock.advance(120)
    connector = await details(client, path)
    assert connector["status"]["sync_state"] == "rescheduled"
    resume_at = datetime.fromisoformat(connector["status"]["rescheduled_for"])
    # Fivetran does not resume a manual connector: the provider waits until rescheduled_for, then restarts
    clock.advance((resume_at - clock.now()).total_seconds() + 60)
    assert (await details(client, path))["status"]["sync_state"] == "rescheduled"
    assert (await send(client, "POST", f"{path}/force")).status_code == 200
    done = await poll_until_it_ends(client, clock, path, before)
    assert done["status"]["sync_state"] == "scheduled" and done["succeeded_at"] > (done["failed_at"] or "")


# --- Fivetran's Go SDK: /force without a body, exclude_mode always, columns, 429 read as seconds -------------


async def test_go_sdk_forces_reloads_and_edits_columns(client: httpx.AsyncClient, sim: Simulator) -> None:
    cid = first_with(sim, "healthy")
    path = f"/v1/connections/{cid}"
    assert (await send(client, "POST", f"{path}/force", headers=V2)).status_code == 200
    reloaded = await send(
        client, "POST", f"{path}/schemas/reload", content=b'{"exclude_mode":"PRESERVE"}', headers=JSON
    )
    schema, config = next(iter(reloaded.json()["data"]["schemas"].items()))
    table = next(t for t, v in config["tables"].items() if v["enabled_patch_settings"]["allowed"])
    columns_path = f"{path}/schemas/{schema}/tables/{table}/columns"
    columns = (await send(client, "GET", columns_path)).json()["data"]["columns"]
    column = next(n for n, c in columns.items() if not c["is_primary_key"])
    body = b'{"enabled":true,"hashed":true}'
    modified = await send(client, "PATCH", f"{columns_path}/{column}", content=body, headers=JSON)
    assert modified.json()["data"]["schemas"][schema]["tables"][table]["columns"][column]["hashed"] is True
    assert sim.legacy_alias_requests == 0


async def test_go_sdk_retries_setup_tests_after_retry_after_and_gets_through(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    ids = list(sim.connections)
    throttled = 0
    for n in range(300):
        for _attempt in range(3):  # the SDK's default: two retries
            response = await send(
                client, "POST", f"/v1/connections/{ids[n % len(ids)]}/test", content=b"{}", headers=JSON
            )
            if response.status_code != 429:
                break
            throttled += 1
            clock.advance(int(response.headers["Retry-After"]))  # an integer number of seconds
        assert response.status_code == 200, n
    assert throttled == 1  # 250 a minute: the 251st waits the minute out, the rest fit
