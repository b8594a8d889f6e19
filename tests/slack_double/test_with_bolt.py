"""The double behind a real Bolt AsyncApp: what the shell and the end-to-end tests rely on."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_double import SlackDouble

from .fakes import TOKEN


def bolt_app(double: SlackDouble) -> AsyncApp:
    # process_before_response: the listener has finished when dispatch returns, so assertions need no waiting.
    app = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=double.api_url),
        signing_secret="secret",
        process_before_response=True,
    )

    @app.command("/hvr")
    async def hvr(ack: Any, respond: Any, say: Any, command: dict[str, Any]) -> None:
        await ack(text="Working on it…")
        await respond(text=f"Done: {command['text']}")
        await say(text="Sync finished for everyone")

    return app


async def test_a_bolt_command_answers_through_the_double(double: SlackDouble) -> None:
    app = bolt_app(double)
    response_url = double.new_response_url(channel="C1", user="U1")
    body = urlencode(
        {
            "command": "/hvr",
            "text": "sync salesforce",
            "user_id": "U1",
            "channel_id": "C1",
            "team_id": double.identity.team_id,
            "response_url": response_url,
            "trigger_id": double.new_trigger_id(user="U1"),
        }
    )

    response = await app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
    await double.deliver_ack(response_url, response.body)

    shown = {(m.text, m.ephemeral, m.user) for m in double.messages("C1")}
    assert shown == {
        ("Working on it…", True, "U1"),
        ("Done: sync salesforce", True, "U1"),
        ("Sync finished for everyone", False, None),
    }
    assert [c.method for c in double.calls] == ["auth.test", "response_url", "chat.postMessage"]


async def test_an_ack_with_blocks_is_shown_and_a_bare_ack_shows_nothing(double: SlackDouble) -> None:
    url = double.new_response_url(channel="C1", user="U1")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Pick one*"}}]

    assert await double.deliver_ack(url, "") is None
    shown = await double.deliver_ack(url, json.dumps({"text": "Pick one", "blocks": blocks}))

    assert shown is not None
    assert (shown.text, shown.blocks, shown.ephemeral) == ("Pick one", blocks, True)
