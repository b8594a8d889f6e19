"""`press_of`, the key of the buttons' double-click guard (bot/slack/turn.py): one button of one message
state pressed twice is one press; another button, message or message state is another. On `block_actions`
payloads shaped as Slack sends them (docs.slack.dev/reference/interaction-payloads/block_actions-payload):
the fields that change with every click (trigger_id, action_ts, response_url) and with the presser are
there, and must not tell two clicks apart."""

from __future__ import annotations

import copy
import json
from typing import Any

from bot.slack.turn import press_of

CHANNEL = "C0DATA0001"
MESSAGE_TS = "1764720000.123456"


def button(action_id: str, text: str, value: str, block_id: str = "Zq3=") -> dict[str, Any]:
    """An element of `actions` for a button, as Slack sends it (with its own action_ts)."""
    return {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": "1764720031.000100",
    }


SHOW = button("hvr.show:0", "Show", "decidedly_conventional")
SYNC_AGAIN = button("hvr.sync:1", "Sync again", "decidedly_conventional")


def followed_sync(outcome: str, *, block_id: str = "Zq3=") -> dict[str, Any]:
    """The channel message a typed `/hvr sync` became, as Slack echoes it back under `message` (its block
    ids Slack's own, made anew at each chat.update)."""
    return {
        "user": "U0HVRBOT1",
        "type": "message",
        "ts": MESSAGE_TS,
        "bot_id": "B0HVRBOT1",
        "app_id": "A0HVRBOT1",
        "text": outcome,
        "team": "T0TEAM0001",
        "blocks": [
            {
                "type": "section",
                "block_id": "8fJk",
                "text": {"type": "mrkdwn", "text": outcome, "verbatim": False},
            },
            {
                "type": "actions",
                "block_id": block_id,
                "elements": [
                    {
                        "type": "button",
                        "action_id": "hvr.show:0",
                        "text": {"type": "plain_text", "text": "Show", "emoji": True},
                        "value": "decidedly_conventional",
                    },
                    {
                        "type": "button",
                        "action_id": "hvr.sync:1",
                        "text": {"type": "plain_text", "text": "Sync again", "emoji": True},
                        "value": "decidedly_conventional",
                    },
                ],
            },
        ],
    }


FAILED = followed_sync(":x: Sync of intercom failed after 6s: Source API returned 502 Bad Gateway")


def block_actions(
    action: dict[str, Any] = SYNC_AGAIN,
    *,
    message: dict[str, Any] | None = FAILED,
    user: str = "U0ANA00001",
    click: int = 1,
    channel: str = CHANNEL,
    message_ts: str = MESSAGE_TS,
) -> dict[str, Any]:
    """The whole payload of one click; `click` numbers what Slack makes anew for each (trigger_id,
    response_url, action_ts). `message` None: an ephemeral message, which Slack does not send back."""
    body: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0TEAM0001"},
        "api_app_id": "A0HVRBOT1",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": message is None,
        },
        "trigger_id": f"1764720031.{click:04d}.6a3bcf2d0e8f",
        "team": {"id": "T0TEAM0001", "domain": "acme-data"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "data-eng"},
        "state": {"values": {}},
        "response_url": f"https://hooks.slack.com/actions/T0TEAM0001/{click}0001/Xr{click}Q9",
        "actions": [{**action, "action_ts": f"1764720031.{click:06d}"}],
    }
    if message is not None:
        body["message"] = copy.deepcopy(message)
    return body


def test_a_double_click_of_one_button_is_one_press() -> None:
    first, second = block_actions(click=1), block_actions(click=2)
    assert first["trigger_id"] != second["trigger_id"]  # what every click makes anew does not count
    assert press_of(first) == press_of(second)


def test_two_people_pressing_one_button_of_one_message_state_is_one_press() -> None:
    assert press_of(block_actions(user="U0ANA00001")) == press_of(block_actions(user="U0BEN00001", click=2))


def test_another_button_of_the_same_message_is_another_press() -> None:
    assert press_of(block_actions(SHOW)) != press_of(block_actions(SYNC_AGAIN))


def test_the_same_button_once_the_message_was_updated_in_place_is_another_press() -> None:
    """Sync again on the message a sync became, pressed again once that sync failed in its turn: the same
    ts, button and value, but another message state (its text, and the block ids Slack gave it anew)."""
    again = followed_sync(":x: Sync of intercom failed after 9s: Source API timed out", block_id="w7Rt")
    assert press_of(block_actions(message=FAILED)) != press_of(block_actions(message=again, click=2))
    reworded = followed_sync(":x: Sync of intercom failed after 9s: Source API timed out")
    assert press_of(block_actions(message=FAILED)) != press_of(block_actions(message=reworded, click=2))


def test_the_same_button_on_another_message_or_in_another_channel_is_another_press() -> None:
    pressed = press_of(block_actions())
    assert press_of(block_actions(message_ts="1764720099.000200")) != pressed
    assert press_of(block_actions(channel="C0OTHER001")) != pressed


def test_the_option_chosen_in_a_menu_is_part_of_the_press() -> None:
    def menu(choice: str) -> dict[str, Any]:
        return {
            "type": "overflow",
            "action_id": "hvr.row_menu:3",
            "block_id": "Zq3=",
            "selected_option": {
                "text": {"type": "plain_text", "text": choice},
                "value": f"{choice}|intercom",
            },
            "action_ts": "1764720031.000100",
        }

    assert press_of(block_actions(menu("hvr.pause"))) == press_of(block_actions(menu("hvr.pause"), click=2))
    assert press_of(block_actions(menu("hvr.pause"))) != press_of(block_actions(menu("hvr.sync")))


def test_an_ephemeral_message_is_told_apart_by_its_ts_slack_sending_no_message() -> None:
    ephemeral = block_actions(message=None)
    assert "message" not in ephemeral and ephemeral["container"]["is_ephemeral"] is True
    assert press_of(ephemeral) == press_of(block_actions(message=None, click=2))
    assert press_of(ephemeral) != press_of(block_actions(message=None, message_ts="1764720099.000200"))


def test_the_press_is_a_short_digest_whatever_the_order_of_the_keys_slack_sent() -> None:
    body = block_actions()
    shuffled = json.loads(json.dumps(body))
    shuffled["message"]["blocks"] = [dict(reversed(list(b.items()))) for b in shuffled["message"]["blocks"]]
    pressed = press_of(body)
    assert len(pressed) == 16 and int(pressed, 16) >= 0
    assert press_of(shuffled) == pressed
