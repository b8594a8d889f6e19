"""Who can do what: people as mentions, where each role comes from said by the renderer."""

from __future__ import annotations

from bot.blocks.governance import render_access_list
from tests.blocks.checks import assert_safe


def test_a_setting_is_named_and_a_grant_mentions_who_granted_it() -> None:
    message = render_access_list(
        [("U1", "admin", "HVR_ADMINS"), ("S0DATA", "operator", "U1")], viewer_role="admin"
    )
    assert message.text == "2 people and groups with roles"
    assert message.blocks[1] == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "<@U1> · *admin* · `HVR_ADMINS`\nuser group `S0DATA` · *operator* · granted by <@U1>",
        },
    }
    assert_safe(message)


def test_one_is_one_person_or_group() -> None:
    assert render_access_list([("U1", "admin", "HVR_ADMINS")], viewer_role="admin").text == (
        "1 person or group with roles"
    )
