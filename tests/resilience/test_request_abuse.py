"""Requests nobody should act on: forged, replayed and stale Slack requests; Fivetran webhooks with a bad
signature or an oversized body; oversized and malformed posts to the Slack events route."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

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


# --- /slack/events: bounded bodies and junk -------------------------------------------------------------

MARKER = b"BODY-MUST-NOT-BE-LOGGED"
MIB = 1024 * 1024


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


@contextlib.asynccontextmanager
async def raw_post(
    rb: Resilient, head: dict[str, str]
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A connection that has sent the request line and headers of a POST /slack/events, and no body yet;
    closed on the way out (a request left open would hold the server's shutdown)."""
    url = urlsplit(rb.e2e.base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    lines = ["POST /slack/events HTTP/1.1", f"Host: {url.netloc}"] + [f"{k}: {v}" for k, v in head.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def status_of(reader: asyncio.StreamReader) -> int:
    # Well under a second once the bot answers; a bot that waits for the rest of the body never does.
    line = await asyncio.wait_for(reader.readline(), timeout=3.0)
    return int(line.split()[1])


async def test_a_50_mb_unsigned_slack_post_is_refused_with_413_before_the_body_is_read(
    rb: Resilient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    declared = 50 * MIB
    head = {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(declared)}
    async with raw_post(rb, head) as (reader, writer):
        writer.write(MARKER + b"x" * (64 * 1024))
        await writer.drain()
        status = await status_of(reader)  # answered with 64 KiB of the 50 MiB sent: not read whole

    assert status == 413
    assert MARKER.decode() not in logged(caplog)
    assert rb.e2e.double.all_messages() == []


async def test_a_chunked_slack_post_is_refused_with_413_once_it_passes_the_limit(
    rb: Resilient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    head = {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"}
    chunk = MARKER + b"x" * (64 * 1024 - len(MARKER))
    async with raw_post(rb, head) as (reader, writer):
        for _ in range(MIB // len(chunk) + 2):  # just past 1 MiB, and the body never ends
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()
        status = await status_of(reader)

    assert status == 413
    assert MARKER.decode() not in logged(caplog)


async def test_a_badly_signed_slack_request_is_refused_without_logging_its_body(
    rb: Resilient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Bolt set this logger's level from the root's when the app was built; in `serve` that is INFO.
    caplog.set_level(logging.INFO, logger="slack_bolt.RequestVerification")
    request, _ = rb.e2e.slash(f"list {MARKER.decode()}")
    forged = {**request.headers, "x-slack-signature": "v0=" + "0" * 64}

    answer = await rb.e2e.http.post("/slack/events", content=request.body, headers=forged)

    assert answer.status_code == 401
    assert MARKER.decode() not in logged(caplog)
    assert "signature" in logged(caplog)  # still said, without the body


def junk_headers(content_type: str, **extra: str | bytes) -> dict[str, str | bytes]:
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": str(int(time.time())),
        "x-slack-signature": "v0=" + "0" * 64,
        **extra,
    }


FORM = "application/x-www-form-urlencoded"
JUNK: dict[str, tuple[bytes, dict[str, str | bytes]]] = {
    "invalid utf-8": (b"command=%2Fhvr&text=\xff\xfe\xfd", junk_headers(FORM)),
    "non-json under a json content type": (b"{this is not json", junk_headers("application/json")),
    "json that is not an object": (b'["a", 1]', junk_headers("application/json")),
    "deeply nested json": (b"[" * 100_000 + b"]" * 100_000, junk_headers("application/json")),
    "timestamp abc": (
        b"command=%2Fhvr&text=list",
        junk_headers(FORM, **{"x-slack-request-timestamp": "abc"}),
    ),
    "non-json payload": (b"payload=not-json", junk_headers(FORM)),
    "non-ascii signature": (
        b"command=%2Fhvr&text=list",
        junk_headers(FORM, **{"x-slack-signature": b"v0=\xe9"}),
    ),
}


def assert_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelname, r.name) for r in loud] == [("WARNING", loud[0].name if loud else "")], [
        (r.levelname, r.name, r.getMessage()[:120]) for r in loud
    ]
    assert loud[0].exc_info is None


@pytest.mark.parametrize("kind", sorted(JUNK))
async def test_unauthenticated_junk_on_slack_events_gets_a_4xx_and_one_warning(
    rb: Resilient, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    body, headers = JUNK[kind]
    caplog.set_level(logging.INFO)

    raw = [(k.encode(), v if isinstance(v, bytes) else v.encode()) for k, v in headers.items()]
    answer = await rb.e2e.http.post("/slack/events", content=body, headers=raw)
    await rb.e2e.settle()

    assert answer.status_code in (400, 401), answer.text
    assert_one_warning(caplog)
    assert rb.e2e.double.all_messages() == []


async def test_a_client_that_disconnects_mid_body_gets_one_warning_and_no_error(
    rb: Resilient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with raw_post(rb, {"Content-Type": FORM, "Content-Length": "1000"}) as (_, writer):
        writer.write(b"command=%2Fhvr&te")
        await writer.drain()

    for _ in range(300):  # the server learns of the disconnect on its own time: up to 3 s
        if any(r.levelno >= logging.WARNING for r in caplog.records):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # anything the same request logs after its first line

    assert_one_warning(caplog)


async def test_a_signed_deeply_nested_webhook_gets_400_and_one_warning(
    hooked: Resilient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = b"[" * 100_000 + b"]" * 100_000

    answer = await hooked.e2e.http.post(
        "/fivetran/webhook", content=body, headers={"X-Fivetran-Signature-256": webhook_signature(body)}
    )

    assert answer.status_code == 400
    assert_one_warning(caplog)
