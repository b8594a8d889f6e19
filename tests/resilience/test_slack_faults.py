"""Slack misbehaving: 429 and 5xx from the Web API, an expired response_url, a trigger_id that came too
late, and chat.update on a message deleted meanwhile. Each is handled, and the work is not lost."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.slack_double.store import Message
from tests.e2e.harness import CHANNEL, OPERATOR, SYNC, all_text, labels
from tests.resilience.checks import assert_plain_answer
from tests.resilience.harness import Resilient


async def add_digest(rb: Resilient) -> str:
    sent = await rb.e2e.command("digest add every 15m")
    await rb.e2e.wait_for_text("every 15", since=sent)
    await rb.e2e.settle()
    (sub, _), *_ = await rb.e2e.bot.digests.list(CHANNEL)
    return sub.id


def fire_time() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def digests(rb: Resilient) -> list[Message]:
    return [m for m in rb.e2e.double.messages(CHANNEL) if not m.ephemeral and "Digest" in m.text]


async def test_a_429_from_chat_post_message_is_waited_out_and_the_digest_is_posted_once(
    rb: Resilient,
) -> None:
    sub = await add_digest(rb)
    rb.e2e.double.fail_next("chat.postMessage", status=429, retry_after=1)

    outcome = await rb.e2e.bot.digests.fire(sub, fire_time())

    assert outcome.value == "posted"  # to the outbox; the deliverer waits out the 429
    calls = rb.e2e.double.calls_to
    refused, accepted = await rb.e2e.double.wait_for(
        lambda: calls("chat.postMessage")[:2] if len(calls("chat.postMessage")) >= 2 else None
    )
    assert accepted.at - refused.at >= 0.95
    assert len(digests(rb)) == 1


async def test_a_5xx_from_chat_post_message_delays_the_digest_and_it_is_posted_once_on_the_retry(
    rb: Resilient, caplog: pytest.LogCaptureFixture
) -> None:
    sub = await add_digest(rb)
    rb.e2e.double.fail_next("chat.postMessage", status=503)
    at = fire_time()

    with caplog.at_level(logging.WARNING):
        outcome = await rb.e2e.bot.digests.fire(sub, at)
        await rb.e2e.double.wait_for(lambda: digests(rb) or None, timeout=10)

    assert outcome.value == "posted"  # owed in the outbox, with the fire's claim done in one transaction
    claim = await rb.e2e.bot.digests.claims.get(sub, at)
    assert claim is not None and claim.done_at is not None
    await rb.e2e.settle()
    assert len(digests(rb)) == 1


async def test_a_5xx_from_chat_post_message_for_a_sync_status_still_tells_the_person_and_follows(
    rb: Resilient,
) -> None:
    connection_id, name = rb.e2e.connection_named("healthy")
    rb.e2e.sim.script_sync_outcome(connection_id, "success", duration_s=60)
    rb.e2e.double.fail_next("chat.postMessage", status=500)

    sent = await rb.e2e.command(f"sync {name}")
    told = await rb.e2e.wait_for_text("requested by", since=sent)
    rb.e2e.clock.advance(61)
    await rb.e2e.double.wait_for(lambda: "succeeded" in told.text or None)

    assert rb.e2e.sim_count(SYNC) == 1
    assert "succeeded" in told.text


async def test_an_expired_response_url_falls_back_to_an_ephemeral_message_from_the_web_api(
    rb: Resilient,
) -> None:
    request, response_url = rb.e2e.slash("list", user=OPERATOR)
    rb.slack_time.advance(31 * 60)  # Slack took the command, then the URL outlived its 30 minutes

    sent = await rb.e2e.send(request, response_url)
    answer = await rb.e2e.wait_for_message(lambda m: "connectors" in all_text(m), since=sent)

    assert answer.ephemeral and answer.user == OPERATOR
    assert len(rb.e2e.double.calls_to("chat.postEphemeral")) == 1
    assert_plain_answer(answer)


async def test_a_command_whose_trigger_id_expired_is_answered_and_opens_no_modal(rb: Resilient) -> None:
    request, response_url = rb.e2e.slash("help", user=OPERATOR)
    rb.slack_time.advance(10)  # trigger ids live 3 seconds

    sent = await rb.e2e.send(request, response_url)
    answer = await rb.e2e.wait_for_message(lambda m: True, since=sent)

    assert sent.response.status_code == 200
    assert answer.ephemeral and "/hvr" in all_text(answer)
    assert rb.e2e.double.calls_to("views.open") == []


async def test_chat_update_on_a_deleted_status_message_posts_the_outcome_anew(rb: Resilient) -> None:
    connection_id, name = rb.e2e.connection_named("healthy")
    rb.e2e.sim.script_sync_outcome(connection_id, "success", duration_s=120)
    sent = await rb.e2e.command(f"show {name}")
    show = await rb.e2e.wait_for_message(lambda m: "Sync" in labels(m), since=sent)
    click = await rb.e2e.click(show, "Sync")
    status = await rb.e2e.wait_for_text("requested by", since=click)
    status.deleted = True  # someone deleted the bot's message in Slack

    rb.e2e.clock.advance(121)
    anew = await rb.e2e.wait_for_message(lambda m: "succeeded" in m.text, since=click)

    assert anew.ts != status.ts and not anew.deleted and anew.channel == CHANNEL
    assert any(c.params.get("ts") == status.ts for c in rb.e2e.double.calls_to("chat.update"))
    assert rb.e2e.sim_count(SYNC) == 1
