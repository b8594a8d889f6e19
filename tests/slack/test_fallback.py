"""The one fallback every message takes (`bot.slack.fallback.show`): edit the message, else post anew, else
answer the person alone; Slack being unavailable is the caller's to retry, never a quiet fallback.

The branches run over the fake poster's posts and edits; the Slack double then checks the same path
through the real client, where slack_sdk's errors are read by the one table (`bot.slack.errors`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.message import Message
from bot.services.runtime.posting import MessageRef, PostError, SlackUnavailable
from bot.slack import fallback
from bot.slack.errors import GONE, NOT_HERE, PERMANENT
from bot.slack.poster import SlackPoster
from bot.slack_double import SlackDouble
from tests.fakes import FakePoster

CHANNEL, USER = "C1", "U1"
NEWS = Message(text="Sync of orders succeeded")


async def posted(poster: FakePoster) -> MessageRef:
    return await poster.post(CHANNEL, Message(text="Syncing orders…"))


async def test_an_edit_that_works_is_all_there_is() -> None:
    poster = FakePoster()
    ref = await posted(poster)

    assert await fallback.show(poster, CHANNEL, USER, NEWS, ref=ref) == ref

    assert poster.updates == [(CHANNEL, ref.ts, NEWS)]
    assert len(poster.posts) == 1 and not poster.ephemerals


async def test_a_message_deleted_meanwhile_is_posted_anew() -> None:
    poster = FakePoster()
    ref = await posted(poster)
    poster.gone.add(ref.ts)

    shown = await fallback.show(poster, CHANNEL, USER, NEWS, ref=ref)

    assert shown is not None and shown != ref
    assert [(p.channel, p.ts, p.text) for p in poster.posts[1:]] == [(CHANNEL, shown.ts, NEWS.text)]
    assert not poster.updates and not poster.ephemerals


async def test_without_a_message_to_edit_it_is_posted() -> None:
    poster = FakePoster()

    shown = await fallback.show(poster, CHANNEL, USER, NEWS)

    assert shown is not None and [p.ts for p in poster.posts] == [shown.ts]
    assert not poster.ephemerals


async def test_where_the_bot_cannot_post_only_the_person_is_told() -> None:
    poster = FakePoster()
    ref = await posted(poster)
    poster.gone.add(ref.ts)
    poster.refuse.add(CHANNEL)

    assert await fallback.show(poster, CHANNEL, USER, NEWS, ref=ref) is None

    assert poster.ephemerals == [(CHANNEL, USER, NEWS)]
    assert len(poster.posts) == 1


async def test_another_refusal_is_raised_rather_than_sent_elsewhere() -> None:
    # invalid_blocks would be refused wherever the message went: the caller hears of it
    poster = FakePoster(refuse_all="invalid_blocks")

    with pytest.raises(PostError) as raised:
        await fallback.show(poster, CHANNEL, USER, NEWS)

    assert raised.value.code == "invalid_blocks" and not poster.ephemerals


@pytest.mark.parametrize("with_ref", [True, False], ids=["edit", "post"])
async def test_slack_unavailable_is_raised_for_the_caller_to_retry(with_ref: bool) -> None:
    poster = FakePoster()
    ref = await posted(poster) if with_ref else None
    poster.outage = "http_503"

    with pytest.raises(SlackUnavailable) as raised:
        await fallback.show(poster, CHANNEL, USER, NEWS, ref=ref)

    assert raised.value.code == "http_503"
    assert not poster.updates and len(poster.posts) == (1 if with_ref else 0) and not poster.ephemerals


async def test_when_even_the_private_answer_fails_the_log_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.slack.fallback"):
        await fallback.tell(FakePoster(outage="http_503"), CHANNEL, USER, NEWS)

    assert [r.getMessage() for r in caplog.records] == [f"could not answer {USER} in {CHANNEL}: http_503"]


def test_the_codes_with_somewhere_else_to_go_are_permanent_ones() -> None:
    assert NOT_HERE <= PERMANENT and GONE <= PERMANENT


# --- through the Slack double, with the real client ------------------------------------------------------


@pytest.fixture
async def slack() -> AsyncIterator[tuple[SlackDouble, SlackPoster]]:
    async with SlackDouble(bot_token="xoxb-double") as double:
        yield double, SlackPoster(AsyncWebClient(token="xoxb-double", base_url=double.api_url), interval=0)


async def test_a_deleted_message_is_posted_anew_through_slack(slack: tuple[SlackDouble, SlackPoster]) -> None:
    double, poster = slack
    ref = await poster.post(CHANNEL, Message(text="Syncing orders…"))
    (status,) = double.messages(CHANNEL)
    status.deleted = True  # someone deleted the bot's message in Slack

    shown = await poster.show(CHANNEL, USER, NEWS, ref=ref)

    (anew,) = double.messages(CHANNEL)
    assert shown == MessageRef(CHANNEL, anew.ts) and anew.text == NEWS.text and not anew.ephemeral


async def test_not_in_channel_from_slack_answers_the_person(slack: tuple[SlackDouble, SlackPoster]) -> None:
    double, poster = slack
    double.fail_next("chat.postMessage", error="not_in_channel")

    assert await poster.show(CHANNEL, USER, NEWS) is None

    (told,) = double.messages(CHANNEL)
    assert told.ephemeral and told.user == USER and told.text == NEWS.text


@pytest.mark.parametrize(
    ("fault", "raised"),
    [
        ({"error": "invalid_blocks"}, PostError("invalid_blocks")),
        ({"error": "fatal_error"}, SlackUnavailable("fatal_error")),  # not in the table: try later
        ({"status": 503}, SlackUnavailable("http_503")),  # an HTML outage page, no error code
    ],
    ids=["permanent", "unknown-code", "outage"],
)
async def test_slack_errors_are_read_by_the_one_table(
    slack: tuple[SlackDouble, SlackPoster], fault: dict[str, Any], raised: Exception
) -> None:
    double, poster = slack
    ref = await poster.post(CHANNEL, Message(text="Syncing orders…"))
    double.fail_next("chat.update", **fault)

    with pytest.raises(type(raised)) as caught:
        await poster.show(CHANNEL, USER, NEWS, ref=ref)

    assert str(caught.value) == str(raised)
    assert [m.text for m in double.messages(CHANNEL)] == ["Syncing orders…"]  # nothing sent elsewhere
