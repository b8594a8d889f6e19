"""response_urls, posted to with AsyncWebhookClient, which is what Bolt's `respond()` uses."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack_double import SlackDouble
from tests.fakes import FakeClock


async def test_a_response_is_ephemeral_to_the_user_by_default(double: SlackDouble) -> None:
    url = double.new_response_url(channel="C1", user="U1")

    answer = await AsyncWebhookClient(url=url).send(text="only you")

    assert answer.status_code == 200
    message = double.last("C1")
    assert message is not None
    assert (message.text, message.ephemeral, message.user) == ("only you", True, "U1")


async def test_an_in_channel_response_is_a_normal_channel_message(double: SlackDouble) -> None:
    url = double.new_response_url(channel="C1", user="U1")

    await AsyncWebhookClient(url=url).send(text="for all", response_type="in_channel")

    message = double.last("C1")
    assert message is not None
    assert (message.ephemeral, message.user) == (False, None)


async def test_replace_original_updates_the_clicked_message_in_place(
    client: AsyncWebClient, double: SlackDouble
) -> None:
    posted = await client.chat_postMessage(channel="C1", text="Pause connector?")
    url = double.new_response_url(channel="C1", user="U1", message_ts=posted["ts"])

    await AsyncWebhookClient(url=url).send(text="Paused", replace_original=True)

    [message] = double.messages("C1")
    assert (message.ts, message.text, message.updates) == (posted["ts"], "Paused", 1)


async def test_replace_original_after_a_first_response_replaces_that_response(double: SlackDouble) -> None:
    # A slash command has no original message: Slack treats the first response as the one to replace.
    hook = AsyncWebhookClient(url=double.new_response_url(channel="C1", user="U1"))

    await hook.send(text="Syncing…")
    await hook.send(text="Synced", replace_original=True)

    [message] = double.messages("C1")
    assert (message.text, message.updates, message.ephemeral) == ("Synced", 1, True)


async def test_delete_original_deletes_the_message(client: AsyncWebClient, double: SlackDouble) -> None:
    posted = await client.chat_postMessage(channel="C1", text="Confirm?")
    url = double.new_response_url(channel="C1", user="U1", message_ts=posted["ts"])

    await AsyncWebhookClient(url=url).send_dict({"delete_original": True})

    assert double.messages("C1") == []


async def test_a_response_url_works_five_times_only(double: SlackDouble) -> None:
    hook = AsyncWebhookClient(url=double.new_response_url(channel="C1", user="U1"))

    statuses = [(await hook.send(text=f"update {i}")).status_code for i in range(5)]
    sixth = await hook.send(text="one too many")

    assert statuses == [200] * 5
    assert (sixth.status_code, "used_url" in sixth.body) == (404, True)
    assert [m.text for m in double.messages("C1")] == [f"update {i}" for i in range(5)]


async def test_an_ack_shown_through_the_url_spends_none_of_its_uses(double: SlackDouble) -> None:
    url = double.new_response_url(channel="C1", user="U1")
    await double.deliver_ack(url, {"text": "Working on it"})
    hook = AsyncWebhookClient(url=url)

    statuses = [(await hook.send(text=f"update {i}", replace_original=True)).status_code for i in range(5)]

    assert statuses == [200] * 5
    [message] = double.messages("C1")
    assert (message.text, message.updates) == ("update 4", 5)


async def test_a_response_url_expires_after_30_minutes(double: SlackDouble, clock: FakeClock) -> None:
    hook = AsyncWebhookClient(url=double.new_response_url(channel="C1", user="U1"))

    clock.advance(30 * 60)
    in_time = await hook.send(text="just in time")
    clock.advance(1)
    late = await hook.send(text="too late")

    assert in_time.status_code == 200
    assert (late.status_code, "expired_url" in late.body) == (404, True)


async def test_an_unknown_response_url_answers_404(double: SlackDouble) -> None:
    answer = await AsyncWebhookClient(url=f"{double.base_url}/response/nonsense").send(text="x")

    assert answer.status_code == 404


async def test_response_blocks_over_slacks_limits_are_refused(double: SlackDouble) -> None:
    hook = AsyncWebhookClient(url=double.new_response_url(channel="C1", user="U1"))

    answer = await hook.send(
        text="t", blocks=[{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    )

    assert (answer.status_code, "invalid_blocks" in answer.body) == (400, True)
    assert double.messages("C1") == []


async def test_response_url_posts_are_recorded_as_calls(double: SlackDouble) -> None:
    await AsyncWebhookClient(url=double.new_response_url(channel="C1", user="U1")).send(text="x")

    [call] = double.calls_to("response_url")
    assert call.params["text"] == "x"
