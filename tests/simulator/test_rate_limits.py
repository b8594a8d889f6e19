"""Fivetran's rate limits by class, on the simulator's clock: setup tests 250 a minute and 2,500 an hour,
calls that reach the source 500 a minute and 5,000 an hour, 20,000 requests an hour in all."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.simulator import ManualClock, Simulator
from bot.simulator.limits import DEFAULT_CLASSES, SETUP_TESTS, SOURCE, ClassLimit
from tests.simulator.conftest import client_for, first_with, send


async def until_waiting(clock: ManualClock) -> None:
    """Until an answer waits on the clock (a request in flight gets there in a few turns of the loop)."""
    for _ in range(1000):
        if clock.waiting:
            return
        await asyncio.sleep(0)
    raise AssertionError("no answer is waiting on the clock")


def test_the_default_classes_are_fivetrans_paid_account_limits() -> None:
    assert (DEFAULT_CLASSES[SETUP_TESTS].per_minute, DEFAULT_CLASSES[SETUP_TESTS].per_hour) == (250, 2_500)
    assert (DEFAULT_CLASSES[SOURCE].per_minute, DEFAULT_CLASSES[SOURCE].per_hour) == (500, 5_000)


async def test_the_251st_setup_test_in_a_minute_is_429_until_the_minute_has_room(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    ids = list(sim.connections)
    for i in range(250):
        response = await client.post(f"/v1/connections/{ids[i % len(ids)]}/test")
        assert response.status_code == 200, i
        if i == 99:
            clock.advance(30)  # the first 100 leave the minute 30 s before the others
    refused = await send(client, "POST", f"/v1/connections/{ids[0]}/test")
    assert (refused.status_code, refused.json()["code"]) == (429, "TooManyRequests")
    assert refused.json()["message"] == "No more than 250 setup tests a minute"
    assert refused.headers["Retry-After"] == "30"
    assert (await client.get("/v1/groups")).status_code == 200  # other requests are not held up
    clock.advance(29)
    assert (await client.post(f"/v1/connections/{ids[0]}/test")).status_code == 429
    clock.advance(1)
    assert (await client.post(f"/v1/connections/{ids[0]}/test")).status_code == 200
    stats = (await client.get("/_sim/stats")).json()["data"]
    assert stats["rate_limited"] == {SETUP_TESTS: 2}


@pytest.mark.parametrize(
    ("method", "action", "classes"),
    [("POST", "test", {SETUP_TESTS, SOURCE}), ("POST", "schemas/reload", {SOURCE}),
     ("GET", "schemas/{s}/tables/{t}/columns", {SOURCE}), ("POST", "sync", set()), ("GET", "schemas", set())],
)  # fmt: skip
async def test_what_counts_in_which_class(
    clock: ManualClock, method: str, action: str, classes: set[str]
) -> None:
    small = {SETUP_TESTS: ClassLimit(1, 10, "setup tests"), SOURCE: ClassLimit(1, 10, "source calls")}
    sim = Simulator(clock=clock, rate_classes=small)
    cid = first_with(sim, "healthy")
    schema, config = next(iter(sim.schema_config(cid)["schemas"].items()))
    path = f"/v1/connections/{cid}/" + action.replace("{s}", schema).replace(
        "{t}", next(iter(config["tables"]))
    )
    async with client_for(sim) as client:
        assert (await client.request(method, path)).status_code == 200
        refused = {
            name for name, window in sim.limits.windows.items() if window[0].remaining(clock.now()) == 0
        }
        assert refused == classes
        second = await client.request(method, path)
        assert (second.status_code == 429) == bool(classes)


async def test_a_patch_that_runs_setup_tests_is_a_setup_test(clock: ManualClock) -> None:
    sim = Simulator(clock=clock, rate_classes={SETUP_TESTS: ClassLimit(5, 1, "setup tests")})
    cid = first_with(sim, "healthy")
    async with client_for(sim) as client:
        path = f"/v1/connections/{cid}"
        assert (await client.patch(path, json={"paused": True})).status_code == 200
        assert (await client.patch(path, json={"paused": False, "run_setup_tests": True})).status_code == 200
        refused = await client.patch(path, json={"paused": True, "run_setup_tests": True})
        assert refused.status_code == 429
        assert refused.json()["message"] == "No more than 1 setup tests an hour"
        assert sim.connections[cid].paused is False  # refused means not done


async def test_the_hourly_class_window_refuses_with_the_wait_until_the_oldest_leaves(
    clock: ManualClock,
) -> None:
    sim = Simulator(clock=clock, rate_classes={SOURCE: ClassLimit(100, 3, "source calls")})
    cid = first_with(sim, "healthy")
    async with client_for(sim) as client:
        for _ in range(3):
            assert (await client.post(f"/v1/connections/{cid}/schemas/reload")).status_code == 200
            clock.advance(600)
        refused = await client.post(f"/v1/connections/{cid}/schemas/reload")
        assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1800")
        # a refused request is counted nowhere: the hourly budget did not move either
        assert refused.headers["X-Rate-Limit-Remaining"] == str(20_000 - 3)
        clock.advance(1800)
        assert (await client.post(f"/v1/connections/{cid}/schemas/reload")).status_code == 200


async def test_a_schema_reload_takes_the_minutes_it_is_scripted_to(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    sim.script_schema_reload(healthy_id, 180)
    reload = asyncio.create_task(send(client, "POST", f"/v1/connections/{healthy_id}/schemas/reload"))
    for advance in (0, 60, 119):
        await until_waiting(clock)
        clock.advance(advance)
        await asyncio.sleep(0)
        assert not reload.done(), advance
    clock.advance(1)
    response = await asyncio.wait_for(reload, timeout=5)
    assert (response.status_code, response.json()["message"]) == (
        200,
        "Schema configuration has been reloaded",
    )
    assert response.json()["data"]["schemas"]
    # the next one, unscripted, takes the simulator's default (none)
    assert (await send(client, "POST", f"/v1/connections/{healthy_id}/schemas/reload")).status_code == 200


async def test_a_reload_duration_can_be_scripted_over_http_and_by_default(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock, healthy_id: str
) -> None:
    assert (
        await client.post(f"/_sim/connections/{healthy_id}/reload", json={"duration_s": 30})
    ).status_code == 200
    assert (
        await client.post(f"/_sim/connections/{healthy_id}/reload", json={"duration_s": -1})
    ).status_code == 400
    slow = Simulator(clock=clock, reload_s=45)
    for target, cid, seconds in ((sim, healthy_id, 30), (slow, first_with(slow, "healthy"), 45)):
        async with client_for(target) as c:
            task = asyncio.create_task(
                c.post(f"/v1/connections/{cid}/schemas/reload", json={"exclude_mode": "EXCLUDE"})
            )
            await until_waiting(clock)
            clock.advance(seconds - 1)
            await until_waiting(clock)
            assert not task.done()
            clock.advance(1)
            assert (await asyncio.wait_for(task, timeout=5)).status_code == 200


async def test_a_bad_exclude_mode_is_400(client: httpx.AsyncClient, healthy_id: str) -> None:
    bad = await client.post(f"/v1/connections/{healthy_id}/schemas/reload", json={"exclude_mode": "ALL"})
    assert (bad.status_code, bad.json()["code"]) == (400, "InvalidInput")
