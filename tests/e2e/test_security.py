"""Requests Slack did not sign, or signed too long ago, are refused before anything happens; Slack's
retries of a request already being handled are dropped."""

from __future__ import annotations

import time

from bot.slack_double.inbound import InboundFactory, SlackRequest
from tests.e2e.harness import CHANNEL, E2E, OPERATOR, SYNC


async def assert_nothing_happened(e2e: E2E) -> None:
    await e2e.settle()
    assert e2e.sim.request_count == 0
    assert e2e.double.calls == []
    assert e2e.double.all_messages() == []


async def test_a_request_with_a_forged_signature_is_refused_with_401_and_does_nothing(e2e: E2E) -> None:
    _, name = e2e.connection_named("healthy")
    response_url = e2e.double.new_response_url(channel=CHANNEL, user=OPERATOR)
    forged = InboundFactory("not-the-signing-secret").slash_command(
        text=f"sync {name}",
        user=OPERATOR,
        channel=CHANNEL,
        response_url=response_url,
        trigger_id=e2e.double.new_trigger_id(user=OPERATOR),
    )

    sent = await e2e.send(forged, response_url)

    assert sent.response.status_code == 401
    await assert_nothing_happened(e2e)


async def test_a_request_whose_body_was_changed_after_signing_is_refused_with_401_and_does_nothing(
    e2e: E2E,
) -> None:
    _, name = e2e.connection_named("healthy")
    signed, response_url = e2e.slash(f"show {name}")
    tampered = SlackRequest(signed.body.replace(b"text=show", b"text=sync"), signed.headers)
    assert tampered.body != signed.body

    sent = await e2e.send(tampered, response_url)

    assert sent.response.status_code == 401
    await assert_nothing_happened(e2e)


async def test_a_request_signed_more_than_five_minutes_ago_is_refused_with_401_and_does_nothing(
    e2e: E2E,
) -> None:
    _, name = e2e.connection_named("healthy")
    stale, response_url = e2e.slash(f"sync {name}", timestamp=time.time() - 6 * 60)

    sent = await e2e.send(stale, response_url)

    assert sent.response.status_code == 401
    await assert_nothing_happened(e2e)


async def test_a_slack_retry_of_a_sync_command_does_not_sync_again(e2e: E2E) -> None:
    _, name = e2e.connection_named("healthy")
    request, response_url = e2e.slash(f"sync {name}")
    first = await e2e.send(request, response_url)
    await e2e.wait_for_text("requested by", since=first)

    retry = await e2e.send(
        request,
        response_url,
        extra_headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"},
    )

    assert first.response.status_code == retry.response.status_code == 200
    assert retry.response.headers.get("x-slack-no-retry") == "1"
    await e2e.settle()
    assert e2e.sim_count(SYNC) == 1
    assert len(e2e.double.calls_to("chat.postMessage")) == 1
    assert e2e.since(retry) == []  # not even an "already requested" answer
