"""The client against the simulated hub; every simulator answer validated against the definition."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from bot.hvr import HvrClient
from bot.simulator.clock import ManualClock
from bot.simulator.hvr6.app import build_app
from bot.simulator.hvr6.hub import Hub
from tests.hvr.sim_world import START, hub_world


@pytest.fixture
def world() -> tuple[Hub, HvrClient, ManualClock]:
    clock = ManualClock(START)
    hub, client, _ = hub_world(clock)
    return hub, client, clock


async def test_the_mix_is_there(world: tuple[Hub, HvrClient, ManualClock]) -> None:
    _, client, _ = world
    channels = await client.channels()
    jobs = await client.jobs()
    states = {j.name: j.state for j in jobs}
    assert len(channels) == 8 and (await client.status()).live and await client.locations()
    assert states["billing-integ-dwh"] == "FAILED" and states["crm-integ-dwh"] == "RETRY"
    assert not [j for j in jobs if j.channel == "inventory"]  # not activated
    assert states["hr-cap-hr_src"] == "SUSPEND"
    assert next(j for j in jobs if j.name == "ledger-integ-dwh").latency_seconds == 1800
    assert [e.type for e in await client.events()] == ["Refresh"]


async def test_forced_expiry_is_survived_and_start_retries_failed(
    world: tuple[Hub, HvrClient, ManualClock],
) -> None:
    hub, client, _ = world
    await client.jobs()
    hub.expire_tokens()
    started = await client.start_jobs(["billing-integ-dwh"])
    assert started[0].trigger_ctrl_id and hub.jobs["billing-integ-dwh"]["state"] == "RUNNING"
    assert hub.stats["/auth/v1/refresh"] == 1


async def test_suspend_and_compare_to_done(world: tuple[Hub, HvrClient, ManualClock]) -> None:
    hub, client, clock = world
    await client.suspend_jobs(["orders-cap-orders_src", "orders-integ-dwh"])
    assert hub.jobs["orders-integ-dwh"]["state"] == "SUSPEND"
    ev_id = await client.post_event("compare", "orders")
    (active,) = await client.events(ev_id)
    assert active.state == "ACTIVE"
    clock.advance(31)
    (done,) = await client.events(ev_id)
    assert done.ended and len(done.table_results()) == 3


async def test_controls_fail_and_recover_a_job_and_stats_count_paths() -> None:
    clock = ManualClock(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    hub = Hub(clock=clock, channels=8, seed=7)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(hub)), base_url="http://sim"
    ) as http:
        failed = await http.post("/_sim/fail", json={"job": "orders-integ-dwh", "error": "F_JD0001E: boom"})
        assert failed.status_code == 204 and hub.jobs["orders-integ-dwh"]["state"] == "FAILED"
        assert hub.errors["orders-integ-dwh"] == "F_JD0001E: boom"
        assert (await http.post("/_sim/recover", json={"job": "orders-integ-dwh"})).status_code == 204
        assert hub.jobs["orders-integ-dwh"]["state"] == "RUNNING"
        assert (await http.get("/api/latest/hubs/hvrhub/jobs")).status_code == 401  # no token
        stats = (await http.get("/_sim/stats")).json()
    assert stats["/api/{version}/hubs/{hub}/jobs"] == 1 and stats["/_sim/{action}"] == 2


async def test_a_job_kept_failing_fails_again_at_each_start_until_recovered(
    world: tuple[Hub, HvrClient, ManualClock],
) -> None:
    hub, client, clock = world
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(hub)), base_url="http://sim"
    ) as http:
        kept = await http.post(
            "/_sim/keep_failing", json={"job": "orders-integ-dwh", "error": "F_JD0002E: no"}
        )
        assert kept.status_code == 204
    first = hub.jobs["orders-integ-dwh"]["log_job_err_tstamp"]
    clock.advance(60)
    (started,) = await client.start_jobs(["orders-integ-dwh"], trigger_failed=True)
    assert started.trigger_ctrl_id  # the hub took the start; the job failed again at once
    (job,) = [j for j in await client.jobs("orders") if j.name == "orders-integ-dwh"]
    assert job.state == "FAILED" and job.num_retries == 2 and job.log_job_err_tstamp != first
    assert hub.errors["orders-integ-dwh"] == "F_JD0002E: no"
    hub.recover("orders-integ-dwh")
    await client.start_jobs(["orders-integ-dwh"], trigger_failed=True)
    assert hub.jobs["orders-integ-dwh"]["state"] == "RUNNING"


async def test_a_refresh_runs_as_a_job_until_it_ends_and_an_event_can_be_failed(
    world: tuple[Hub, HvrClient, ManualClock],
) -> None:
    hub, client, clock = world
    ev_id = await client.post_event("refresh", "orders", ["customers"])
    assert {j.name: j.state for j in await client.jobs("orders")}["orders-refr-orders_src-dwh"] == "RUNNING"
    clock.advance(31)
    assert "orders-refr-orders_src-dwh" not in {j.name for j in await client.jobs("orders")}
    (done,) = await client.events(ev_id)
    assert done.state == "DONE"

    other = await client.post_event("compare", "billing")
    assert hub.end_event(other, "FAILED", "F_JX0A01E: boom")
    assert not hub.end_event(other, "CANCELED", "again")  # only an active event ends
    (failed,) = await client.events(other)
    assert (failed.state, failed.response, failed.results) == ("FAILED", "F_JX0A01E: boom", [])
    assert [r.path for r in hub.requests if r.method == "POST"][-2:] == [
        "/api/latest/hubs/hvrhub/channels/orders/refresh",
        "/api/latest/hubs/hvrhub/channels/billing/compare",
    ]
