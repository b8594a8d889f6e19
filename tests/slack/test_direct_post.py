"""The deliverer's own chat.postMessage (`bot.slack.direct_post`) against the Slack double: it sends what
slack_sdk sent for the same post, and every answer means what it meant through `SlackPoster`: a 429's
Retry-After, the refusals for good, outages and the network to try later, the token in no log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.message import Message
from bot.services.runtime.posting import MessageRef, PostError, SlackUnavailable
from bot.slack.direct_post import DirectPoster
from bot.slack.errors import NOT_HERE
from bot.slack.poster import SlackPoster
from bot.slack_double import SlackDouble
from tests.slack.direct import TOKEN, direct_poster

CHANNEL = "C1"
BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*3 connectors* failed — ünïcode"}},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "as of 09:00"}]},
]
NEWS = Message(text="Daily digest: 3 failed", blocks=BLOCKS)


@dataclass
class Slack:
    double: SlackDouble
    direct: DirectPoster
    sdk: SlackPoster  # slack_sdk's path, for the same call compared


@pytest.fixture
async def slack() -> AsyncIterator[Slack]:
    async with SlackDouble(bot_token=TOKEN) as double, direct_poster(double.api_url) as direct:
        yield Slack(double, direct, direct._fallback)


def _posted(double: SlackDouble) -> list[dict[str, Any]]:
    return [call.params for call in double.calls_to("chat.postMessage")]


@pytest.mark.parametrize(
    "thread",
    [{}, {"thread_ts": "1.000100"}, {"thread_ts": "1.000100", "broadcast": True}, {"broadcast": True}],
)
async def test_a_post_sends_what_slack_sdk_sent_and_answers_where_it_is(
    slack: Slack, thread: dict[str, Any]
) -> None:
    ours = await slack.direct.post(CHANNEL, NEWS, **thread)
    theirs = await slack.sdk.post(CHANNEL, NEWS, **thread)

    first, second = _posted(slack.double)
    assert first == second
    assert first["blocks"] == BLOCKS and first["text"] == NEWS.text
    shown = [(m.channel, m.ts, m.text) for m in slack.double.all_messages()]
    assert (ours.channel, ours.ts, NEWS.text) in shown and ours != theirs


async def test_posts_of_one_blocks_list_and_of_another_each_send_their_own(slack: Slack) -> None:
    other = [{"type": "section", "text": {"type": "plain_text", "text": "another"}}]
    await slack.direct.post(CHANNEL, NEWS)
    await slack.direct.post(CHANNEL, Message(text="x", blocks=other))
    await slack.direct.post(CHANNEL, NEWS)

    assert [p["blocks"] for p in _posted(slack.double)] == [BLOCKS, other, BLOCKS]


async def test_a_429_is_unavailable_with_its_retry_after(slack: Slack) -> None:
    slack.double.fail_next("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackUnavailable) as raised:
        await slack.direct.post(CHANNEL, NEWS)

    assert (raised.value.code, raised.value.retry_after) == ("ratelimited", 7.0)
    assert len(_posted(slack.double)) == 1  # the deliverer waits it out, not the sender


async def _outcome(poster: DirectPoster | SlackPoster) -> MessageRef | tuple[str, str, float | None]:
    try:
        return await poster.post(CHANNEL, NEWS)
    except PostError as error:
        return ("PostError", error.code, None)
    except SlackUnavailable as error:
        return ("SlackUnavailable", error.code, error.retry_after)


@pytest.mark.parametrize(
    "fault",
    [
        *({"error": code} for code in sorted(NOT_HERE)),
        {"error": "invalid_blocks"},
        {"error": "msg_too_long"},
        {"error": "token_revoked"},
        {"error": "fatal_error"},  # not in the table: worth trying later
        {"status": 500},  # an outage's HTML page
        {"status": 503},
        {"status": 429, "retry_after": 3},
    ],
)
async def test_every_refusal_means_what_it_meant_through_slack_sdk(
    slack: Slack, fault: dict[str, Any]
) -> None:
    slack.double.fail_next("chat.postMessage", **fault)
    ours = await _outcome(slack.direct)
    slack.double.fail_next("chat.postMessage", **fault)
    theirs = await _outcome(slack.sdk)

    assert isinstance(ours, tuple) and ours == theirs
    if "error" in fault:
        assert ours[1] == fault["error"]


async def test_the_refusals_for_good_are_post_errors(slack: Slack) -> None:
    for code in ("channel_not_found", "not_in_channel", "is_archived", "invalid_blocks"):
        slack.double.fail_next("chat.postMessage", error=code)
        with pytest.raises(PostError) as raised:
            await slack.direct.post(CHANNEL, NEWS)
        assert raised.value.code == code


async def test_a_wrong_token_is_refused_for_good(slack: Slack) -> None:
    async with direct_poster(slack.double.api_url, "xoxb-wrong") as wrong:
        with pytest.raises(PostError) as raised:
            await wrong.post(CHANNEL, NEWS)
    assert raised.value.code == "invalid_auth"


async def test_slack_unreachable_is_unavailable_and_the_token_is_in_no_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with SlackDouble(bot_token=TOKEN) as double:
        gone = double.api_url
    async with direct_poster(gone) as direct:
        with pytest.raises(SlackUnavailable) as raised:
            await direct.post(CHANNEL, NEWS)

    assert raised.value.code == "ClientConnectorError" and raised.value.retry_after is None
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert TOKEN not in str(raised.value) and TOKEN not in caplog.text


async def test_a_slack_that_never_answers_is_unavailable_after_the_clients_timeout() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # reads nothing, answers nothing

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with direct_poster(f"http://127.0.0.1:{port}/api/", timeout_s=0.2) as direct:
            started = asyncio.get_running_loop().time()
            with pytest.raises(SlackUnavailable) as raised:
                await direct.post(CHANNEL, NEWS)
            waited = asyncio.get_running_loop().time() - started
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()

    assert raised.value.code in ("TimeoutError", "ServerTimeoutError") and 0.15 <= waited < 3
    assert accepted  # it did connect: the wait was for an answer


async def test_posts_and_failures_log_nothing_of_the_token(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await slack.direct.post(CHANNEL, NEWS)
    slack.double.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackUnavailable):
        await slack.direct.post(CHANNEL, NEWS)

    assert len(_posted(slack.double)) == 2 and TOKEN not in caplog.text


async def test_without_an_open_session_it_posts_through_slack_sdk(slack: Slack) -> None:
    client = AsyncWebClient(token=TOKEN, base_url=slack.double.api_url)  # no session: the bot not started
    ref = await DirectPoster(client, SlackPoster(client, interval=0.0)).post(CHANNEL, NEWS)

    assert _posted(slack.double)[-1]["blocks"] == BLOCKS and ref.channel == CHANNEL


async def test_an_edit_goes_through_slack_sdk(slack: Slack) -> None:
    ref = await slack.direct.post(CHANNEL, NEWS)
    await slack.direct.update(CHANNEL, ref.ts, Message(text="edited"))

    assert [m.text for m in slack.double.messages(CHANNEL)] == ["edited"]
