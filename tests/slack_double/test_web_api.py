"""The Web API methods, driven by slack_sdk's real AsyncWebClient as the bot drives them."""

from __future__ import annotations

import json

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.check import REQUIRED_SCOPES
from bot.slack_double import SlackDouble
from tests.fakes import FakeClock

SECTION = [{"type": "section", "text": {"type": "mrkdwn", "text": "*sync* started"}}]


async def test_auth_test_names_the_bot_and_its_scopes(client: AsyncWebClient, double: SlackDouble) -> None:
    answer = await client.auth_test()

    assert answer["ok"] is True
    assert answer["user_id"] == double.identity.user_id
    assert answer["bot_id"] == double.identity.bot_id
    assert answer["team_id"] == double.identity.team_id
    assert answer.headers["x-oauth-scopes"] == ",".join(REQUIRED_SCOPES)  # what the manifest asks for


async def test_a_wrong_token_is_refused_with_invalid_auth(double: SlackDouble) -> None:
    intruder = AsyncWebClient(token="xoxb-wrong", base_url=double.api_url)

    with pytest.raises(SlackApiError) as refused:
        await intruder.chat_postMessage(channel="C1", text="hi")

    assert refused.value.response["error"] == "invalid_auth"
    assert double.messages("C1") == []


async def test_the_token_may_come_as_a_form_parameter(double: SlackDouble) -> None:
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{double.api_url}chat.postMessage", data={"token": "xoxb-test", "channel": "C1", "text": "form"}
        )
        answer = await response.json()

    assert answer["ok"] is True
    assert double.messages("C1")[0].text == "form"
    assert "token" not in double.calls[0].params


async def test_form_encoded_blocks_arrive_as_a_json_string_and_are_stored_parsed(double: SlackDouble) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=double.api_url)

    await client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "t", "blocks": json.dumps(SECTION)}
    )

    assert double.last("C1") is not None
    assert double.last("C1").blocks == SECTION  # type: ignore[union-attr]


async def test_unknown_methods_answer_unknown_method(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client.api_call("chat.teleport", json={"channel": "C1"})

    assert refused.value.response["error"] == "unknown_method"


async def test_post_message_stores_the_message_and_answers_its_ts(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    answer = await client.chat_postMessage(channel="C1", text="sync started", blocks=SECTION)

    [message] = double.messages("C1")
    assert answer["ts"] == message.ts
    assert answer["channel"] == "C1"
    assert answer["message"]["blocks"] == SECTION
    assert (message.text, message.blocks, message.ephemeral, message.user) == (
        "sync started",
        SECTION,
        False,
        None,
    )


async def test_messages_keep_their_thread(client: AsyncWebClient, double: SlackDouble) -> None:
    parent = await client.chat_postMessage(channel="C1", text="parent")

    await client.chat_postMessage(channel="C1", text="reply", thread_ts=parent["ts"])

    assert double.last("C1").thread_ts == parent["ts"]  # type: ignore[union-attr]


async def test_a_message_without_text_or_blocks_is_refused(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client.api_call("chat.postMessage", json={"channel": "C1"})

    assert refused.value.response["error"] == "no_text"


async def test_update_changes_the_message_in_place(client: AsyncWebClient, double: SlackDouble) -> None:
    posted = await client.chat_postMessage(channel="C1", text="syncing")

    await client.chat_update(channel="C1", ts=posted["ts"], text="synced", blocks=SECTION)

    [message] = double.messages("C1")
    assert (message.ts, message.text, message.blocks, message.updates) == (posted["ts"], "synced", SECTION, 1)


async def test_update_of_an_unknown_or_deleted_message_is_message_not_found(client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C1", text="x")
    await client.chat_delete(channel="C1", ts=posted["ts"])

    for ts in (posted["ts"], "1.000001"):
        with pytest.raises(SlackApiError) as refused:
            await client.chat_update(channel="C1", ts=ts, text="y")
        assert refused.value.response["error"] == "message_not_found"


async def test_delete_hides_the_message_but_keeps_it_on_record(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    posted = await client.chat_postMessage(channel="C1", text="x")

    await client.chat_delete(channel="C1", ts=posted["ts"])

    assert double.messages("C1") == []
    assert [m.deleted for m in double.messages("C1", include_deleted=True)] == [True]


async def test_ephemeral_messages_are_visible_to_one_user_and_cannot_be_updated(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    answer = await client.chat_postEphemeral(channel="C1", user="U1", text="only you")

    message = double.last("C1")
    assert message is not None
    assert (message.ts, message.ephemeral, message.user) == (answer["message_ts"], True, "U1")
    with pytest.raises(SlackApiError) as refused:
        await client.chat_update(channel="C1", ts=answer["message_ts"], text="changed")
    assert refused.value.response["error"] == "message_not_found"


async def test_blocks_over_slacks_limits_are_refused_with_the_reasons(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]

    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="t", blocks=too_long)

    assert refused.value.response["error"] == "invalid_blocks"
    assert refused.value.response["errors"] == [
        "/blocks/0/text/text: must be at most 3000 characters (is 3001)"
    ]
    assert double.messages("C1") == []


async def test_lenient_double_accepts_blocks_slack_would_refuse() -> None:
    async with SlackDouble(bot_token="xoxb-test", strict_blocks=False) as lenient:
        client = AsyncWebClient(token="xoxb-test", base_url=lenient.api_url)
        await client.chat_postMessage(channel="C1", text="t", blocks=[{"type": "section"}] * 51)

        assert len(lenient.messages("C1")) == 1


async def test_usergroups_resolve_to_their_members(client: AsyncWebClient, double: SlackDouble) -> None:
    double.set_usergroup("S123", ["U1", "U2"])

    answer = await client.usergroups_users_list(usergroup="S123")

    assert answer["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError) as refused:
        await client.usergroups_users_list(usergroup="S404")
    assert refused.value.response["error"] == "no_such_subteam"


async def test_users_info_answers_a_plausible_user_with_a_time_zone(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    double.set_user("U2", name="ana", tz="Europe/Lisbon")

    anyone = (await client.users_info(user="U1"))["user"]
    ana = (await client.users_info(user="U2"))["user"]

    assert anyone["id"] == "U1"
    assert anyone["tz"]
    assert isinstance(anyone["tz_offset"], int)
    assert (ana["name"], ana["tz"]) == ("ana", "Europe/Lisbon")


async def test_users_info_on_an_id_the_workspace_does_not_know_is_user_not_found(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    double.remove_user("U0GONE")

    for user in ("U0GONE", "not-an-id", ""):
        with pytest.raises(SlackApiError) as refused:
            await client.users_info(user=user)
        assert refused.value.response["error"] == "user_not_found"
    double.set_user("U0GONE", real_name="Back Again")
    back = (await client.users_info(user="U0GONE"))["user"]
    assert back["profile"]["real_name"] == "Back Again"
    assert back["profile"]["display_name"] == ""  # as on Slack when the person set none


async def test_conversations_info_answers_the_channel_name(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    double.set_channel("C1", "data-eng")

    answer = await client.conversations_info(channel="C1")

    assert answer["channel"]["name"] == "data-eng"


async def test_every_call_is_recorded_with_its_parameters_and_time(
    client: AsyncWebClient, double: SlackDouble, clock: FakeClock
) -> None:
    await client.chat_postMessage(channel="C1", text="x")

    [call] = double.calls_to("chat.postMessage")
    assert call.params == {"channel": "C1", "text": "x"}
    assert call.at == clock.timestamp()
