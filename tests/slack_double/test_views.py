"""Modals, their 3-second trigger ids, and the Home tab."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_double import SlackDouble
from tests.fakes import FakeClock


def modal(title: str = "Re-sync tables") -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Pick tables"}}],
    }


HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Welcome"}}]}


async def test_a_fresh_trigger_opens_a_modal_for_its_user(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    trigger = double.new_trigger_id(user="U1")

    answer = await client.views_open(trigger_id=trigger, view=modal())

    [opened] = double.modals()
    assert answer["view"]["id"] == opened.id
    assert (opened.user, opened.view["title"]["text"]) == ("U1", "Re-sync tables")


async def test_a_trigger_expires_after_3_seconds(
    client: AsyncWebClient, double: SlackDouble, clock: FakeClock
) -> None:
    trigger = double.new_trigger_id()

    clock.advance(3.01)
    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id=trigger, view=modal())

    assert refused.value.response["error"] == "expired_trigger_id"
    assert double.modals() == []


async def test_a_trigger_works_only_once(client: AsyncWebClient, double: SlackDouble) -> None:
    trigger = double.new_trigger_id()
    await client.views_open(trigger_id=trigger, view=modal())

    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id=trigger, view=modal())

    assert refused.value.response["error"] == "exchanged_trigger_id"


async def test_an_unknown_trigger_is_refused_when_strict(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id="made.up", view=modal())

    assert refused.value.response["error"] == "expired_trigger_id"


async def test_a_lenient_double_accepts_an_unknown_trigger() -> None:
    async with SlackDouble(bot_token="xoxb-test", strict_triggers=False) as lenient:
        client = AsyncWebClient(token="xoxb-test", base_url=lenient.api_url)

        await client.views_open(trigger_id="made.up", view=modal())

        assert len(lenient.modals()) == 1


async def test_a_modal_over_slacks_limits_is_refused(client: AsyncWebClient, double: SlackDouble) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id=double.new_trigger_id(), view=modal(title="t" * 25))

    assert refused.value.response["error"] == "invalid_arguments"
    assert refused.value.response["response_metadata"]["messages"] == [
        "/view/title/text: must be at most 24 characters (is 25)"
    ]


async def test_views_update_replaces_the_view_and_refuses_a_stale_hash(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    opened = (await client.views_open(trigger_id=double.new_trigger_id(), view=modal()))["view"]

    updated = await client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal(title="Done"))
    with pytest.raises(SlackApiError) as refused:
        await client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal(title="Stale"))

    assert updated["view"]["title"]["text"] == "Done"
    assert refused.value.response["error"] == "hash_conflict"
    assert double.modals()[0].view["title"]["text"] == "Done"


async def test_views_publish_sets_the_users_home_tab(client: AsyncWebClient, double: SlackDouble) -> None:
    await client.views_publish(user_id="U1", view=HOME)
    await client.views_publish(user_id="U1", view={**HOME, "blocks": []})

    home = double.home("U1")
    assert home is not None
    assert (home.view["blocks"], home.updates) == ([], 1)
    assert double.home("U2") is None
