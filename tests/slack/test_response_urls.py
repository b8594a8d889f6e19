"""Answers through response_urls on one shared HTTP session (`bot.slack.response_urls`), against the
Slack double: the same messages Bolt's own `respond` sends, without a session per answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.slack.response_urls import ResponseUrls
from bot.slack_double import SlackDouble

TOKEN = "xoxb-test"


@pytest.fixture
async def double() -> AsyncIterator[SlackDouble]:
    async with SlackDouble(bot_token=TOKEN) as running:
        yield running


@pytest.fixture
async def urls() -> AsyncIterator[ResponseUrls]:
    shared = ResponseUrls()
    yield shared
    await shared.aclose()


async def test_answers_arrive_as_bolts_would_and_share_one_session(
    double: SlackDouble, urls: ResponseUrls
) -> None:
    url = double.new_response_url(channel="C1", user="U1")
    respond = urls.wrap(AsyncRespond(response_url=url))

    first = await respond(
        text="Syncing…", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "a"}}]
    )
    session = urls.session()
    second = await respond(text="Synced", replace_original=True)

    assert (first.status_code, second.status_code) == (200, 200)
    [message] = double.messages("C1")
    assert (message.text, message.ephemeral, message.updates) == ("Synced", True, 1)
    assert urls.session() is session and not session.closed  # kept for the next answer


async def test_a_whole_message_as_a_dict_is_sent_as_given(double: SlackDouble, urls: ResponseUrls) -> None:
    url = double.new_response_url(channel="C1", user="U1")

    await urls.wrap(AsyncRespond(response_url=url))({"text": "for all", "response_type": "in_channel"})

    message = double.last("C1")
    assert message is not None
    assert (message.text, message.ephemeral) == ("for all", False)


async def test_without_a_response_url_it_refuses_as_bolt_does(urls: ResponseUrls) -> None:
    with pytest.raises(ValueError, match="no response_url"):
        await urls.wrap(AsyncRespond(response_url=None))(text="x")


async def test_closing_closes_the_session_and_a_later_answer_opens_another(
    double: SlackDouble, urls: ResponseUrls
) -> None:
    session = urls.session()
    await urls.aclose()
    assert session.closed

    url = double.new_response_url(channel="C1", user="U1")
    answer = await urls.wrap(AsyncRespond(response_url=url))(text="still answered")

    assert answer.status_code == 200
    assert urls.session() is not session
