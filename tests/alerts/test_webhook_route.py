"""`POST /fivetran/webhook`: signed deliveries from the simulator become alerts; anything else does not."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.commands.watch_commands import WatchAdd
from bot.services.alerts.events import AlertEvent
from bot.services.alerts.webhook_events import SIGNATURE_HEADER, sign
from bot.services.pipelines.selectors import parse_selector
from bot.web.webhook import fivetran_webhook_routes

from .fakes import CHANNEL, USER, Harness, action_ids, healthy_ids

SECRET = "webhook-secret"
URL = "http://bot.test/fivetran/webhook"


@dataclass
class Spawned:
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def __call__(self, coroutine: Coroutine[Any, Any, None]) -> object:
        task = asyncio.ensure_future(coroutine)
        self.tasks.append(task)
        return task

    async def drain(self) -> None:
        await asyncio.gather(*self.tasks)


@pytest.fixture
def spawned() -> Spawned:
    return Spawned()


@pytest.fixture
async def bot_http(harness: Harness, spawned: Spawned) -> AsyncIterator[httpx.AsyncClient]:
    """The bot's webhook route, reachable by the simulator's webhook deliveries."""
    app = Starlette(
        routes=fivetran_webhook_routes(
            {"fivetran": SECRET}, harness.service.deliver_webhook, harness.service.claim
        )
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test") as http:
        harness.sim.webhooks._client = http  # the simulator's webhook_client injection, after the fact
        harness.sim.create_webhook({"url": URL, "events": ["*"], "secret": SECRET})
        yield http


async def deliver(harness: Harness, spawned: Spawned) -> int:
    accepted = await harness.sim.deliver_due_webhooks()
    await spawned.drain()
    return accepted


async def test_a_signed_connection_failure_becomes_an_alert_and_its_recovery_a_reply(
    harness: Harness, bot_http: httpx.AsyncClient, spawned: Spawned
) -> None:
    await harness.service.add_watch(CHANNEL, USER, WatchAdd())
    (cid,) = healthy_ids(harness.sim, 1)
    harness.sim.break_connection(cid, "Reconnect: the credentials were revoked")
    assert await deliver(harness, spawned) == 1
    (alert,) = harness.poster.posts
    assert "broke: Reconnect: the credentials were revoked" in alert.message.text
    assert "via Fivetran webhook" in json.dumps(alert.message.blocks)
    assert action_ids(alert.message)[:3] == ["hvr.show", "hvr.sync", "hvr.pause"]
    harness.sim.recover_connection(cid)
    await deliver(harness, spawned)
    assert harness.poster.posts[-1].thread_ts == alert.ts
    assert [ts for _, ts, _ in harness.poster.updates] == [alert.ts]


async def test_a_failed_sync_is_announced_and_the_sync_start_is_not(
    harness: Harness, bot_http: httpx.AsyncClient, spawned: Spawned
) -> None:
    await harness.service.add_watch(CHANNEL, USER, WatchAdd())
    (cid,) = healthy_ids(harness.sim, 1)
    harness.sim.script_sync_outcome(cid, "failure", 60, reason="Source API returned 502")
    harness.sim.sync(cid, force=False)
    harness.clock.advance(61)
    assert await deliver(harness, spawned) == 2  # sync_start and sync_end
    (alert,) = harness.poster.posts
    assert "failed to sync: Source API returned 502" in alert.message.text


async def test_a_redelivery_posts_nothing_new(
    harness: Harness, bot_http: httpx.AsyncClient, spawned: Spawned
) -> None:
    await harness.service.add_watch(CHANNEL, USER, WatchAdd())
    (cid,) = healthy_ids(harness.sim, 1)
    harness.sim.break_connection(cid)
    await deliver(harness, spawned)
    (delivery,) = harness.sim.webhooks.delivered
    headers = {SIGNATURE_HEADER: sign(SECRET, delivery.body), "Content-Type": "application/json"}
    again = await bot_http.post("/fivetran/webhook", content=delivery.body, headers=headers)
    await spawned.drain()
    assert (again.status_code, again.text) == (200, "duplicate")
    assert len(harness.poster.posts) == 1


async def test_a_bad_signature_is_refused_and_nothing_is_posted(
    harness: Harness, bot_http: httpx.AsyncClient, spawned: Spawned
) -> None:
    await harness.service.add_watch(CHANNEL, USER, WatchAdd())
    harness.sim.webhooks.webhooks[next(iter(harness.sim.webhooks.webhooks))].secret = "not-the-secret"
    (cid,) = healthy_ids(harness.sim, 1)
    harness.sim.break_connection(cid)
    assert await deliver(harness, spawned) == 0
    assert harness.sim.webhooks.pending[0].last_status == 401
    assert harness.poster.posts == [] and spawned.tasks == []


def route_app(
    secret: str | None, seen: list[AlertEvent], *, first: bool = True, max_body: int = 1024
) -> Starlette:
    async def handle(event: AlertEvent) -> None:
        seen.append(event)

    async def dedupe(event: AlertEvent) -> bool:
        return first

    return Starlette(routes=fivetran_webhook_routes({"fivetran": secret}, handle, dedupe, max_body=max_body))


async def post(app: Starlette, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test") as http:
        response = await http.post("/fivetran/webhook", content=body, headers=headers or {})
    await asyncio.sleep(0)  # let a spawned handler run
    return response


BODY = json.dumps(
    {"event": "sync_end", "created": "2026-05-22T00:06:08.638Z", "connector_id": "c1", "sync_id": "s1",
     "data": {"status": "FAILED"}}
).encode()  # fmt: skip


def signed(body: bytes = BODY) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign(SECRET, body)}


async def test_without_a_secret_the_route_answers_404() -> None:
    seen: list[AlertEvent] = []
    assert (await post(route_app(None, seen), BODY, signed())).status_code == 404
    assert seen == []


@pytest.mark.parametrize("headers", [{}, {SIGNATURE_HEADER: "00" * 32}], ids=["missing", "wrong"])
async def test_a_missing_or_wrong_signature_answers_401_and_does_nothing(headers: dict[str, str]) -> None:
    seen: list[AlertEvent] = []
    assert (await post(route_app(SECRET, seen), BODY, headers)).status_code == 401
    assert seen == []


async def test_an_oversized_body_is_refused_with_413_without_reading_it_whole() -> None:
    seen: list[AlertEvent] = []
    big = b"x" * 5000
    assert (await post(route_app(SECRET, seen), big, signed(big))).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the stream itself is counted
        for _ in range(100):
            yield b"x" * 100

    app = route_app(SECRET, seen)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test") as http:
        response = await http.post("/fivetran/webhook", content=chunks(), headers=signed(b""))
    assert response.status_code == 413 and seen == []


async def test_the_probe_and_unknown_events_answer_200_and_post_nothing() -> None:
    seen: list[AlertEvent] = []
    probe = b'{"event":"test_event","created":"2026-05-22T00:06:08.638Z","connector_id":"_connector_1"}'
    unknown = b'{"event":"dbt_run_failed","created":"2026-05-22T00:06:08.638Z","connector_id":"c1"}'
    for body in (probe, unknown):
        response = await post(route_app(SECRET, seen), body, signed(body))
        assert (response.status_code, response.text) == (200, "ignored")
    assert seen == []


async def test_a_signed_body_that_is_not_an_event_answers_400() -> None:
    seen: list[AlertEvent] = []
    assert (await post(route_app(SECRET, seen), b"{}", signed(b"{}"))).status_code == 400


async def test_a_first_delivery_is_handled_after_the_answer_and_a_repeat_is_not() -> None:
    seen: list[AlertEvent] = []
    response = await post(route_app(SECRET, seen), BODY, signed())
    assert (response.status_code, response.text) == (200, "ok")
    assert [e.key for e in seen] == ["webhook:s1:sync_end"]
    repeat = await post(route_app(SECRET, seen, first=False), BODY, signed())
    assert (repeat.status_code, repeat.text) == (200, "duplicate") and len(seen) == 1


async def test_a_claim_that_cannot_be_made_asks_fivetran_to_retry() -> None:
    async def broken(event: AlertEvent) -> bool:
        raise OSError("database is down")

    async def handle(event: AlertEvent) -> None:
        raise AssertionError("not claimed, not handled")

    app = Starlette(routes=fivetran_webhook_routes({"fivetran": SECRET}, handle, broken))
    assert (await post(app, BODY, signed())).status_code == 503


def sources_app(seen: list[AlertEvent]) -> Starlette:
    async def handle(event: AlertEvent) -> None:
        seen.append(event)

    async def dedupe(event: AlertEvent) -> bool:
        return True

    secrets = {"prod": "prod-secret", "staging": "staging-secret", "nosecret": None}
    return Starlette(routes=fivetran_webhook_routes(secrets, handle, dedupe))


async def post_to(app: Starlette, path: str, secret: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test") as http:
        response = await http.post(path, content=BODY, headers={SIGNATURE_HEADER: sign(secret, BODY)})
    await asyncio.sleep(0)
    return response


async def test_each_source_has_its_route_verified_with_its_own_secret_and_its_ids_become_its_keys() -> None:
    seen: list[AlertEvent] = []
    app = sources_app(seen)
    assert (await post_to(app, "/fivetran/webhook/staging", "staging-secret")).status_code == 200
    assert [(e.connection_id, e.key) for e in seen] == [("staging:c1", "webhook:staging:s1:sync_end")]
    # the other account's secret on this route is a forgery, however valid it is elsewhere
    assert (await post_to(app, "/fivetran/webhook/staging", "prod-secret")).status_code == 401
    assert len(seen) == 1


@pytest.mark.parametrize(
    "path", ["/fivetran/webhook/nobody", "/fivetran/webhook/nosecret", "/fivetran/webhook"]
)
async def test_a_source_not_configured_or_without_a_secret_has_no_route(path: str) -> None:
    seen: list[AlertEvent] = []
    assert (await post_to(sources_app(seen), path, "prod-secret")).status_code == 404
    assert seen == []


class HeldFetch:
    """The simulator's latency sleep: every API request waits until `release()`; `waiting` counts them."""

    def __init__(self) -> None:
        self.waiting = 0
        self._released = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waiting += 1
        await self._released.wait()

    def release(self) -> None:
        self._released.set()


async def test_a_webhook_while_the_snapshot_is_slow_is_answered_at_once_with_the_last_one_and_posted_once(
    harness: Harness, bot_http: httpx.AsyncClient, spawned: Spawned
) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    connection = harness.sim.connections[cid]
    # a selector: without a snapshot this watch could not be matched and would hear nothing
    await harness.service.add_watch(
        CHANNEL, USER, WatchAdd(parse_selector([f"service:{connection.service}"]))
    )
    await harness.snapshots.get()  # the last snapshot; the harness's cache never calls one fresh (ttl 0)
    held = HeldFetch()
    harness.sim.sleep = held
    harness.sim.faults.latency_ms = 1
    harness.sim.break_connection(cid, "Reconnect: the credentials were revoked")
    async with asyncio.timeout(5):  # a guard, not a measure: waiting for the held fetch would end here
        assert await deliver(harness, spawned) == 1
    (delivery,) = harness.sim.webhooks.delivered
    assert delivery.last_status == 200
    assert held.waiting == 2, "a fresh snapshot (groups, connections) is fetched behind the answer"
    (alert,) = harness.poster.posts
    assert alert.channel == CHANNEL and connection.schema in alert.message.text

    held.release()
    await harness.snapshots.get()  # joins the refresh the webhook started
    headers = {SIGNATURE_HEADER: sign(SECRET, delivery.body), "Content-Type": "application/json"}
    again = await bot_http.post("/fivetran/webhook", content=delivery.body, headers=headers)
    assert (again.status_code, again.text) == (200, "duplicate")
    assert len(harness.poster.posts) == 1
