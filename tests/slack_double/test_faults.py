"""Failures on demand and Slack's pace of one message a second per channel."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack_double import PacingViolation, SlackDouble
from tests.fakes import FakeClock

from .fakes import TOKEN


async def test_a_429_with_retry_after_is_retried_by_slack_sdks_handler(double: SlackDouble) -> None:
    # Retry-After 0 keeps the handler's sleep under a second (it sleeps Retry-After plus up to 1 s of jitter).
    double.fail_next("chat.postMessage", status=429, retry_after=0)
    client = AsyncWebClient(
        token=TOKEN,
        base_url=double.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )

    answer = await client.chat_postMessage(channel="C1", text="digest")

    assert answer["ok"] is True
    assert len(double.calls_to("chat.postMessage")) == 2
    assert [m.text for m in double.messages("C1")] == ["digest"]


async def test_a_429_carries_retry_after_and_the_ratelimited_error(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    double.fail_next("chat.update", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as refused:
        await client.chat_update(channel="C1", ts="1.1", text="x")

    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "7"
    assert refused.value.response["error"] == "ratelimited"


async def test_a_server_error_answers_without_json(client: AsyncWebClient, double: SlackDouble) -> None:
    double.fail_next("chat.postMessage", status=503)

    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="x")

    assert refused.value.response.status_code == 503
    assert double.messages("C1") == []


async def test_an_error_code_fault_answers_200_with_ok_false(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    double.fail_next("chat.postMessage", error="channel_not_found")

    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="x")

    assert (refused.value.response.status_code, refused.value.response["error"]) == (200, "channel_not_found")


async def test_a_fault_lasts_for_the_given_number_of_calls(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    double.fail_next("auth.test", error="account_inactive", times=2)

    outcomes = []
    for _ in range(3):
        try:
            outcomes.append((await client.auth_test())["ok"])
        except SlackApiError as e:
            outcomes.append(e.response["error"])

    assert outcomes == ["account_inactive", "account_inactive", True]


async def test_response_urls_can_fail_on_demand_too(double: SlackDouble) -> None:
    double.fail_next("response_url", status=500)

    answer = await AsyncWebhookClient(url=double.new_response_url(channel="C1", user="U1")).send(text="x")

    assert answer.status_code == 500


async def test_posting_twice_within_a_second_in_one_channel_is_a_pacing_violation(clock: FakeClock) -> None:
    async with SlackDouble(bot_token=TOKEN, clock=clock.timestamp, enforce_pacing=True) as paced:
        client = AsyncWebClient(token=TOKEN, base_url=paced.api_url)
        await client.chat_postMessage(channel="C1", text="first")
        await client.chat_postMessage(channel="C2", text="other channel")
        clock.advance(0.5)
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(channel="C1", text="too soon")
        clock.advance(0.5)
        await client.chat_postMessage(channel="C1", text="in time")

        assert (refused.value.response.status_code, refused.value.response.headers["Retry-After"]) == (
            429,
            "1",
        )
        assert paced.pacing_violations == [
            PacingViolation(channel="C1", at=clock.timestamp() - 0.5, since_previous=0.5)
        ]
        assert [m.text for m in paced.messages("C1")] == ["first", "in time"]


async def test_pacing_is_not_enforced_unless_asked(client: AsyncWebClient, double: SlackDouble) -> None:
    for i in range(3):
        await client.chat_postMessage(channel="C1", text=f"burst {i}")

    assert len(double.messages("C1")) == 3
    assert double.pacing_violations == []


async def test_a_held_call_waits_unanswered_then_fails_unprocessed(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    double.hold("chat.postMessage")
    call = asyncio.ensure_future(client.chat_postMessage(channel="C1", text="lost"))
    await double.wait_for(lambda: double.calls_to("chat.postMessage") or None)
    assert not call.done()

    double.release("chat.postMessage")
    with pytest.raises(SlackApiError) as refused:
        await call

    assert refused.value.response.status_code == 500 and double.messages("C1") == []
    answer = await client.chat_postMessage(channel="C1", text="next")  # answered as usual again
    assert answer["ok"] is True and [m.text for m in double.messages("C1")] == ["next"]
