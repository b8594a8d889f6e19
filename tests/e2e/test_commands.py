"""Slash commands over HTTP: the answer comes back through the request's response_url."""

from __future__ import annotations

from bot.slack_double.inbound import SlackRequest, sign
from tests.e2e.harness import CHANNEL, E2E, OPERATOR, all_text, labels


async def test_list_answers_privately_through_the_response_url_with_every_connector(e2e: E2E) -> None:
    sent = await e2e.command("list")

    assert sent.response.status_code == 200
    answer = await e2e.wait_for_text("connectors", since=sent)
    assert answer.ephemeral and answer.user == OPERATOR and answer.channel == CHANNEL
    shown = all_text(answer)
    assert "Connectors" in shown
    for conn in e2e.sim.connections.values():
        assert f"*{conn.schema}*" in shown, conn.schema
    # Bolt asks auth.test who its token is; the answer itself is the one response_url call.
    assert [c.method for c in e2e.double.calls if c.method != "auth.test"] == ["response_url"]


async def test_show_answers_with_the_connector_view_and_its_action_buttons(e2e: E2E) -> None:
    connection_id, name = e2e.connection_named("healthy")

    sent = await e2e.command(f"show {name}")

    answer = await e2e.wait_for_message(lambda m: bool(labels(m)), since=sent)
    assert answer.ephemeral and answer.user == OPERATOR
    assert answer.blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": name, "emoji": True}}
    assert connection_id in all_text(answer)
    assert labels(answer) == ["Sync", "Force sync", "Pause", "Run tests", "Schemas", "Schedule", "Re-sync"]
    assert all(b["value"] == connection_id for b in answer.blocks[-2]["elements"])


async def test_a_command_whose_text_says_payload_is_answered_as_a_command(e2e: E2E) -> None:
    # Bolt's body parser takes any form body containing "payload" for an interactive payload (and 404s)
    connection = next(iter(e2e.sim.connections.values()))
    connection.schema = "payload_x"

    sent = await e2e.command("list payload")

    assert sent.response.status_code == 200
    answer = await e2e.wait_for_message(lambda m: "*payload_x*" in all_text(m), since=sent)
    assert answer.ephemeral and answer.user == OPERATOR


async def test_a_command_from_a_channel_named_payload_ops_is_answered_as_a_command(e2e: E2E) -> None:
    request, response_url = e2e.slash("list")
    body = request.body.replace(b"channel_name=hvr-shell", b"channel_name=payload-ops")
    stamp = request.headers["x-slack-request-timestamp"]
    resigned = SlackRequest(
        body, {**request.headers, "x-slack-signature": sign(e2e.signing_secret, stamp, body)}
    )

    sent = await e2e.send(resigned, response_url)

    assert sent.response.status_code == 200
    await e2e.wait_for_text("connectors", since=sent)
