"""Requests nobody should act on: forged, replayed and stale Slack requests; Fivetran webhooks with a bad
signature or an oversized body."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.slack_double.inbound import sign
from tests.e2e.harness import SYNC
from tests.resilience.harness import WEBHOOK_SECRET, Resilient, resilient_bot


@pytest.fixture
async def hooked() -> AsyncIterator[Resilient]:
    async with resilient_bot(webhook_secret=WEBHOOK_SECRET) as running:
        yield running


def webhook_signature(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().upper()


def sync_end(connection_id: str, group_id: str, sync_id: str = "s-1") -> bytes:
    return json.dumps(
        {
            "event": "sync_end",
            "created": "2026-11-24T09:00:00.000Z",
            "connector_type": "postgres",
            "connector_id": connection_id,
            "connector_name": "pg",
            "sync_id": sync_id,
            "destination_group_id": group_id,
            "data": {"status": "FAILURE_WITH_TASK", "reason": "boom"},
        }
    ).encode()


async def test_a_forged_slack_request_is_refused_and_does_nothing(rb: Resilient) -> None:
    _, name = rb.e2e.connection_named("healthy")
    request, _ = rb.e2e.slash(f"sync {name}")
    forged = {
        **request.headers,
        "x-slack-signature": sign(
            "not-the-secret", request.headers["x-slack-request-timestamp"], request.body
        ),
    }

    answer = await rb.e2e.http.post("/slack/events", content=request.body, headers=forged)
    await rb.e2e.settle()

    assert answer.status_code == 401
    assert rb.e2e.sim_count(SYNC) == 0 and rb.e2e.double.all_messages() == []


async def test_a_replayed_slack_request_with_the_same_signature_does_not_act_twice(rb: Resilient) -> None:
    _, name = rb.e2e.connection_named("healthy")
    request, response_url = rb.e2e.slash(f"sync {name}")

    first = await rb.e2e.send(request, response_url)
    await rb.e2e.wait_for_text("requested by", since=first)
    replay = await rb.e2e.send(request, response_url)  # byte for byte, within the 5-minute window
    await rb.e2e.settle()

    assert first.response.status_code == 200
    assert replay.response.status_code == 401  # a signature is good for one delivery
    assert rb.e2e.sim_count(SYNC) == 1
    # one status message (by now it may say how the sync ended rather than "requested by")
    # one status message in the channel (it may say "Syncing…" or how the sync ended by now)
    statuses = [m for m in rb.e2e.double.all_messages() if not m.ephemeral]
    assert len(statuses) == 1, [(m.text[:80], m.ephemeral) for m in rb.e2e.double.all_messages()]


async def test_a_stale_slack_request_is_refused_and_does_nothing(rb: Resilient) -> None:
    _, name = rb.e2e.connection_named("healthy")
    request, response_url = rb.e2e.slash(f"sync {name}", timestamp=time.time() - 6 * 60)

    sent = await rb.e2e.send(request, response_url)
    await rb.e2e.settle()

    assert sent.response.status_code == 401
    assert rb.e2e.sim_count(SYNC) == 0 and rb.e2e.double.all_messages() == []


async def test_a_webhook_with_a_bad_signature_is_refused_and_posts_nothing(hooked: Resilient) -> None:
    connection = next(iter(hooked.e2e.sim.connections.values()))
    body = sync_end(connection.id, connection.group_id)
    http = hooked.e2e.http

    missing = await http.post("/fivetran/webhook", content=body)
    bad = await http.post(
        "/fivetran/webhook",
        content=body,
        headers={"X-Fivetran-Signature-256": webhook_signature(body, "wrong")},
    )
    tampered = await http.post(
        "/fivetran/webhook",
        content=body.replace(b"boom", b"bam!"),
        headers={"X-Fivetran-Signature-256": webhook_signature(body)},
    )
    good = await http.post(
        "/fivetran/webhook", content=body, headers={"X-Fivetran-Signature-256": webhook_signature(body)}
    )
    await hooked.e2e.bot.background.drain(5)

    assert (missing.status_code, bad.status_code, tampered.status_code) == (401, 401, 401)
    assert good.status_code == 200  # the control: the same body, rightly signed, is taken
    assert hooked.e2e.double.calls_to("chat.postMessage") == []  # nobody watches: nothing to post


async def test_an_oversized_webhook_body_is_refused_before_it_is_read_whole(hooked: Resilient) -> None:
    body = b'{"event": "sync_end", "pad": "' + b"x" * (1024 * 1024) + b'"}'

    declared = await hooked.e2e.http.post(
        "/fivetran/webhook", content=body, headers={"X-Fivetran-Signature-256": webhook_signature(body)}
    )

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: a chunked body that never stops early
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    streamed = await hooked.e2e.http.post(
        "/fivetran/webhook", content=chunks(), headers={"X-Fivetran-Signature-256": webhook_signature(body)}
    )

    assert declared.status_code == 413 and streamed.status_code == 413
    assert hooked.e2e.double.calls_to("chat.postMessage") == []


async def test_the_webhook_route_does_not_exist_without_a_secret(rb: Resilient) -> None:
    body = b"{}"
    answer = await rb.e2e.http.post(
        "/fivetran/webhook", content=body, headers={"X-Fivetran-Signature-256": webhook_signature(body)}
    )
    assert answer.status_code == 404
    assert isinstance(answer, httpx.Response)
