"""Events as they happen (the shell prints them) and waiting on them (the end-to-end tests do)."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack_double import (
    Deleted,
    Event,
    Message,
    Posted,
    SlackDouble,
    Updated,
    ViewOpened,
    ViewPublished,
)


async def test_subscribers_see_each_change_in_order(client: AsyncWebClient, double: SlackDouble) -> None:
    seen: list[Event] = []
    double.subscribe(seen.append)

    posted = await client.chat_postMessage(channel="C1", text="syncing")
    await client.chat_update(channel="C1", ts=posted["ts"], text="synced")
    await client.chat_delete(channel="C1", ts=posted["ts"])

    assert [type(e) for e in seen] == [Posted, Updated, Deleted]
    assert [e.message.text for e in seen if isinstance(e, Posted | Updated | Deleted)] == [
        "syncing",
        "synced",
        "synced",
    ]


async def test_an_event_shows_the_message_as_it_was_then(client: AsyncWebClient, double: SlackDouble) -> None:
    seen: list[Event] = []
    double.subscribe(seen.append)

    posted = await client.chat_postMessage(channel="C1", text="before")
    await client.chat_update(channel="C1", ts=posted["ts"], text="after")

    assert isinstance(seen[0], Posted)
    assert seen[0].message.text == "before"


async def test_async_subscribers_are_awaited(double: SlackDouble) -> None:
    printed: list[str] = []

    async def printer(event: Event) -> None:
        await asyncio.sleep(0)
        if isinstance(event, Posted):
            printed.append(event.message.text)

    double.subscribe(printer)
    await AsyncWebhookClient(url=double.new_response_url(channel="C1", user="U1")).send(text="hello")

    assert printed == ["hello"]


async def test_a_failing_subscriber_does_not_fail_the_bots_call(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("printer broke")

    double.subscribe(broken)

    answer = await client.chat_postMessage(channel="C1", text="still posted")

    assert answer["ok"] is True


async def test_unsubscribed_callbacks_hear_nothing_more(client: AsyncWebClient, double: SlackDouble) -> None:
    seen: list[Event] = []
    unsubscribe = double.subscribe(seen.append)
    unsubscribe()

    await client.chat_postMessage(channel="C1", text="x")

    assert seen == []


async def test_views_are_published_as_events(client: AsyncWebClient, double: SlackDouble) -> None:
    seen: list[Event] = []
    double.subscribe(seen.append)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [{"type": "divider"}]}

    await client.views_open(trigger_id=double.new_trigger_id(), view=view)
    await client.views_publish(user_id="U1", view={"type": "home", "blocks": []})

    assert isinstance(seen[0], ViewOpened)
    assert isinstance(seen[1], ViewPublished)
    assert seen[1].user == "U1"


async def test_wait_for_returns_once_a_later_post_satisfies_the_predicate(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    async def bot_posts_later() -> None:
        await asyncio.sleep(0.01)
        await client.chat_postMessage(channel="C1", text="sync finished")

    task = asyncio.create_task(bot_posts_later())

    found: Message = await double.wait_for(lambda: double.find(lambda m: "finished" in m.text), timeout=2)

    assert found.text == "sync finished"
    await task


async def test_wait_for_can_wait_on_events(client: AsyncWebClient, double: SlackDouble) -> None:
    task = asyncio.create_task(client.chat_postMessage(channel="C1", text="x"))

    assert await double.wait_for(lambda: any(isinstance(e, Posted) for e in double.events), timeout=2)
    await task


async def test_wait_for_times_out_with_what_did_happen(double: SlackDouble) -> None:
    with pytest.raises(TimeoutError, match="0 calls"):
        await double.wait_for(lambda: double.last("C1"), timeout=0.05)
