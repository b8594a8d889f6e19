"""Registered webhooks receive signed deliveries, retried with a growing wait when the receiver fails."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import httpx

from bot.simulator import ManualClock, Simulator
from tests.simulator.conftest import Api, client_for, first_with

SECRET = "s3cret"


class Receiver:
    """A fake webhook endpoint: records what arrives, fails the first `fail` deliveries."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.received: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        if self.fail > 0:
            self.fail -= 1
            return httpx.Response(500)
        return httpx.Response(200)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.received]


def make_sim(clock: ManualClock, receiver: Receiver) -> Simulator:
    return Simulator(clock=clock, webhook_client=httpx.AsyncClient(transport=httpx.MockTransport(receiver)))


async def register(api: Api, events: list[str]) -> str:
    body = {"url": "https://bot.example/fivetran/webhook", "events": events, "active": True, "secret": SECRET}
    response = await api.post("/v1/webhooks/account", body)
    assert response.json()["data"]["secret"] == "******"
    webhook_id: str = response.json()["data"]["id"]
    return webhook_id


async def test_sync_start_and_end_arrive_signed(clock: ManualClock) -> None:
    receiver = Receiver()
    sim = make_sim(clock, receiver)
    cid = first_with(sim, "healthy")
    async with client_for(sim) as client:
        api = Api(client)
        await register(api, ["sync_start", "sync_end"])
        sim.script_sync_outcome(cid, "success", duration_s=90)
        await api.post(f"/v1/connections/{cid}/sync", {})
        clock.advance(90)
        assert await sim.deliver_due_webhooks() == 2
    for request in receiver.received:
        expected = hmac.new(SECRET.encode(), request.content, hashlib.sha256).hexdigest().upper()
        assert request.headers["X-Fivetran-Signature-256"] == expected
    start, end = receiver.events()
    conn = sim.connections[cid]
    assert start["event"] == "sync_start" and end["event"] == "sync_end"
    assert end["data"] == {"status": "SUCCESSFUL"}
    assert start["sync_id"] == end["sync_id"]
    assert {k: end[k] for k in ("connector_id", "connector_name", "connector_type", "destination_group_id")} == {
        "connector_id": cid, "connector_name": conn.schema, "connector_type": conn.service,
        "destination_group_id": conn.group_id,
    }  # fmt: skip
    assert end["created"].endswith("Z")


async def test_a_failed_sync_ends_with_a_failure_status(clock: ManualClock) -> None:
    receiver = Receiver()
    sim = make_sim(clock, receiver)
    cid = first_with(sim, "broken")
    async with client_for(sim) as client:
        await register(Api(client), ["sync_end"])
    sim.sync(cid, force=False)
    clock.advance(3600)
    await sim.deliver_due_webhooks()
    (end,) = receiver.events()
    assert end["data"]["status"] == "FAILURE_WITH_TASK"


async def test_failed_deliveries_are_retried_with_backoff(clock: ManualClock) -> None:
    receiver = Receiver(fail=2)
    sim = make_sim(clock, receiver)
    async with client_for(sim) as client:
        await register(Api(client), ["connection_failure"])
    sim.break_connection(first_with(sim, "healthy"), "Reconnect: token revoked")
    assert await sim.deliver_due_webhooks() == 0
    clock.advance(299)
    assert await sim.deliver_due_webhooks() == 0
    assert len(receiver.received) == 1  # not due before the 5-minute wait
    clock.advance(1)
    assert await sim.deliver_due_webhooks() == 0
    clock.advance(600)  # the wait grows by 5 minutes each time
    assert await sim.deliver_due_webhooks() == 1
    bodies = {r.content for r in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1


async def test_retries_are_bounded(clock: ManualClock) -> None:
    receiver = Receiver(fail=100)
    sim = make_sim(clock, receiver)
    async with client_for(sim) as client:
        await register(Api(client), ["connection_failure"])
    sim.break_connection(first_with(sim, "healthy"))
    for _ in range(10):
        await sim.deliver_due_webhooks()
        clock.advance(3600)
    assert len(receiver.received) == sim.webhooks.max_attempts
    assert len(sim.webhooks.dropped) == 1 and not sim.webhooks.pending


async def test_break_recover_pause_and_resume_emit_status_events(clock: ManualClock) -> None:
    receiver = Receiver()
    sim = make_sim(clock, receiver)
    cid = first_with(sim, "healthy")
    async with client_for(sim) as client:
        api = Api(client)
        await register(
            api, ["connection_failure", "connection_successful", "pause_connector", "resume_connector"]
        )
        sim.break_connection(cid, "Reconnect: token revoked")
        assert (await api.connection(cid))["status"]["setup_state"] == "broken"
        sim.recover_connection(cid)
        assert (await api.connection(cid))["status"]["tasks"] == []
        await api.patch(f"/v1/connections/{cid}", {"paused": True})
        await api.patch(f"/v1/connections/{cid}", {"paused": False})
    await sim.deliver_due_webhooks()
    events = receiver.events()
    assert [e["event"] for e in events] == [
        "connection_failure", "connection_successful", "pause_connector", "resume_connector",
    ]  # fmt: skip
    assert events[0]["data"] == {"reason": "Reconnect: token revoked"}


async def test_only_subscribed_events_of_active_webhooks_are_delivered(clock: ManualClock) -> None:
    receiver = Receiver()
    sim = make_sim(clock, receiver)
    cid = first_with(sim, "healthy")
    async with client_for(sim) as client:
        api = Api(client)
        await register(api, ["sync_end"])
        gone = await register(api, ["sync_start", "sync_end"])
        await api.delete(f"/v1/webhooks/{gone}")
        listed = (await api.get("/v1/webhooks")).json()["data"]["items"]
        assert len(listed) == 1
        sim.script_sync_outcome(cid, "success", duration_s=1)
        await api.post(f"/v1/connections/{cid}/sync", {})
        clock.advance(1)
        await sim.deliver_due_webhooks()
    assert [e["event"] for e in receiver.events()] == ["sync_end"]


async def test_webhook_creation_needs_url_and_events(api: Api) -> None:
    response = await api.call(
        "POST", "/v1/webhooks/account", {"url": "https://x.example"}, check_request=False
    )
    assert response.status_code == 400


async def test_a_served_app_delivers_by_itself_from_its_lifespan() -> None:
    from bot.simulator import ScaledClock, build_app

    receiver = Receiver()
    # 1,000 simulated seconds a real second: a 20 s sync ends in 20 ms
    sim = Simulator(
        clock=ScaledClock(1000), webhook_client=httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    )
    app = build_app(sim, delivery_interval_s=0.01)
    cid = first_with(sim, "healthy")
    async with app.router.lifespan_context(app):
        sim.create_webhook({"url": "https://bot.example/hook", "events": ["sync_end"], "secret": SECRET})
        sim.script_sync_outcome(cid, "success", duration_s=20)
        sim.sync(cid, force=False)
        for _ in range(200):
            if receiver.received:
                break
            await asyncio.sleep(0.01)
    assert [e["event"] for e in receiver.events()] == ["sync_end"]
