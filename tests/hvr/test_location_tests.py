"""A channel's setup test on the simulated hub: each location tested, one unreachable location a failed
test in the hub's words (not a failed command), and the action's summary says how many failed."""

from __future__ import annotations

import httpx

from bot.services.pipelines.actions import ConnectorActions
from bot.services.pipelines.hub_source import HubSource
from bot.services.pipelines.snapshot import SnapshotCache
from bot.simulator.hvr6.app import build_app
from tests.hvr.sim_world import hub_world


async def _control(hub_app: httpx.ASGITransport, action: str, body: dict[str, str]) -> int:
    async with httpx.AsyncClient(transport=hub_app, base_url="http://sim") as http:
        return (await http.post(f"/_sim/{action}", json=body)).status_code


async def test_every_location_is_tested_and_an_unreachable_one_fails_in_the_hubs_words() -> None:
    hub, client, transport = hub_world()
    source = HubSource("onprem", client)
    control = httpx.ASGITransport(app=build_app(hub))

    passed = await source.run_setup_tests("onprem:orders")
    assert [(t.title, t.status) for t in passed.setup_tests or []] == [
        ("Connection to location orders_src", "PASSED"),
        ("Connection to location dwh", "PASSED"),
    ]
    assert transport.requests.count("POST /api/latest/hubs/hvrhub/locs/dwh/test") == 1

    error = "F_JG0A01E: ORA-12541: TNS:no listener"
    assert await _control(control, "unreachable_location", {"loc": "orders_src", "error": error}) == 204
    failed = await source.run_setup_tests("onprem:orders")
    assert [(t.status, t.message) for t in failed.setup_tests or []] == [
        ("FAILED", error),
        ("PASSED", "Connected"),  # the other location still tested
    ]
    assert await _control(control, "reachable_location", {"loc": "orders_src"}) == 204
    again = await source.run_setup_tests("onprem:orders")
    assert all(t.status == "PASSED" for t in again.setup_tests or [])


async def test_the_actions_summary_counts_the_failed_locations() -> None:
    hub, client, _ = hub_world()
    source = HubSource("onprem", client)
    hub.unreachable["dwh"] = "F_JG0A01E: connection refused"
    actions = ConnectorActions(source, SnapshotCache(source, name="onprem"))
    result = await actions.run_setup_tests("onprem:orders")
    assert not result.ok and result.summary == "1 of 2 setup tests failed."
