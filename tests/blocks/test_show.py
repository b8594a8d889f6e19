from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.show import render_show, schedule_text
from bot.fivetran.models import SetupTest
from tests.blocks.checks import assert_safe
from tests.blocks.factory import HOSTILE, NOW, connection, snapshot


def _show(**fields: Any) -> dict[str, Any]:
    c = connection(**fields)
    return render_show(snapshot(c), c, now=NOW).to_dict()


def _buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        ids.base_of(e["action_id"]): e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_show_starts_with_the_name_as_header_then_the_facts_as_fields() -> None:
    message = _show()
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "salesforce_prod", "emoji": True},
    }
    assert [f["text"] for f in message["blocks"][1]["fields"]] == [
        "*Service*\nsalesforce",
        "*Group*\nwarehouse",
        "*Health*\n:large_green_circle: Healthy",
        "*Setup · sync · update*\nconnected · scheduled · on_schedule",
        "*Schedule*\nevery 6h",
        "*Paused*\nno",
        "*Last success*\n3h ago (<!date^1778317200^{date_short_pretty} {time}|2026-05-09 09:00 UTC>)",
        "*Last failure*\nnever",
        "*Historical sync*\nno",
    ]


def test_rescheduled_connector_shows_until_when() -> None:
    at = (NOW + timedelta(minutes=90)).isoformat()
    fields = _show(status={"sync_state": "rescheduled", "rescheduled_for": at})["blocks"][1]["fields"]
    assert fields[-1]["text"] == (
        "*Rescheduled until*\n<!date^1778333400^{date_short_pretty} {time}|2026-05-09 13:30 UTC> (in 1h 30m)"
    )


def test_force_sync_asks_first_in_a_dialog() -> None:
    assert _buttons(_show())[ids.FORCE_SYNC] == {
        "type": "button",
        "action_id": "hvr.force_sync:0",
        "text": {"type": "plain_text", "text": "Force sync", "emoji": True},
        "value": "decidedly_conventional",
        "confirm": {
            "title": {"type": "plain_text", "text": "Force a sync?", "emoji": True},
            "text": {
                "type": "mrkdwn",
                "text": "If a sync of *salesforce_prod* is running, Fivetran stops it and starts a new one.",
            },
            "confirm": {"type": "plain_text", "text": "Force sync", "emoji": True},
            "deny": {"type": "plain_text", "text": "Cancel", "emoji": True},
        },
    }


def test_buttons_carry_the_connection_id_and_sync_is_primary() -> None:
    buttons = _buttons(_show())
    assert set(buttons) == {
        ids.SYNC,
        ids.FORCE_SYNC,
        ids.PAUSE,
        ids.TEST,
        ids.SCHEMAS,
        ids.SCHEDULE,
        ids.RESYNC,
    }
    assert {b["value"] for b in buttons.values()} == {"decidedly_conventional"}
    assert buttons[ids.SYNC]["style"] == "primary"


def test_resync_is_danger_and_warns_that_it_rereads_everything_and_costs_money() -> None:
    resync = _buttons(_show())[ids.RESYNC]
    assert resync["style"] == "danger"
    assert resync["confirm"]["style"] == "danger"
    assert "re-reads all data" in resync["confirm"]["text"]["text"]
    assert "cost money" in resync["confirm"]["text"]["text"]


def test_pausing_a_healthy_connector_asks_first_but_a_broken_one_does_not() -> None:
    assert "confirm" in _buttons(_show())[ids.PAUSE]
    assert "confirm" not in _buttons(_show(status={"setup_state": "broken"}))[ids.PAUSE]


def test_a_paused_connector_offers_resume() -> None:
    buttons = _buttons(_show(paused=True))
    assert ids.RESUME in buttons and ids.PAUSE not in buttons


def test_notice_comes_first_escaped() -> None:
    c = connection()
    message = render_show(snapshot(c), c, now=NOW, notice="Paused <!here>")
    assert message.blocks[0]["text"]["text"] == "Paused &lt;!here&gt;"


def test_tasks_and_warnings_show_their_messages() -> None:
    status = {
        "setup_state": "broken",
        "tasks": [{"code": "reconnect", "message": "Re-authorize the source"}],
        "warnings": [{"code": "slow", "message": "Syncs are slow"}],
    }
    text = json.dumps(_show(status=status))
    assert "*Tasks (1)*\\n\\u2022 `reconnect` Re-authorize the source" in text
    assert "Syncs are slow" in text


def test_setup_tests_show_a_mark_per_result() -> None:
    c = connection()
    tests = [
        SetupTest(title="Connect", status="PASSED"),
        SetupTest(title="Permissions", status="FAILED", message="No SELECT on orders"),
        SetupTest(title="Latency", status="WARNING", message="slow"),
    ]
    message = render_show(snapshot(c), c, now=NOW, setup_tests=tests)
    text = json.dumps(message.blocks, ensure_ascii=False)
    assert "✓ *Connect* (PASSED)" in text
    assert "✗ *Permissions* (FAILED): No SELECT on orders" in text
    assert "⚠ *Latency* (WARNING): slow" in text


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"schedule_type": "manual"}, "manual"),
        ({"sync_frequency": 360}, "every 6h"),
        ({"sync_frequency": 15}, "every 15m"),
        ({"sync_frequency": 1440, "daily_sync_time": "02:00"}, "daily at 02:00 UTC"),
        ({"sync_frequency": 1440}, "daily"),
        ({"sync_frequency": None}, "not set"),
    ],
)
def test_schedule_reads_like_a_person_says_it(fields: dict[str, Any], text: str) -> None:
    assert schedule_text(connection(**fields)) == text


def test_a_daily_time_is_a_token_of_its_next_run_later_today_or_tomorrow() -> None:
    later = connection(sync_frequency=1440, daily_sync_time="14:00")  # NOW is 12:00 UTC
    earlier = connection(sync_frequency=1440, daily_sync_time="9:00")
    today = int(NOW.replace(hour=14).timestamp())
    tomorrow = int(NOW.replace(hour=9).timestamp()) + 86400
    assert schedule_text(later, NOW) == f"daily at <!date^{today}^{{time}}|14:00 UTC>"
    assert schedule_text(earlier, NOW) == f"daily at <!date^{tomorrow}^{{time}}|09:00 UTC>"
    odd = connection(sync_frequency=1440, daily_sync_time="<soon>")
    assert schedule_text(odd, NOW) == "daily at &lt;soon&gt; UTC"  # not a time of day: said as it is


def test_hostile_connector_with_100_long_tasks_fits_and_is_escaped() -> None:
    long = HOSTILE * 100
    notices = [{"code": long, "message": long} for _ in range(100)]
    c = connection(
        schema=long,
        service=long,
        daily_sync_time=long,
        sync_frequency=1440,
        status={"setup_state": long, "sync_state": long, "tasks": notices, "warnings": notices},
    )
    tests = [SetupTest(title=long, status=long, message=long) for _ in range(100)]
    message = render_show(snapshot(c), c, now=NOW, notice=long, setup_tests=tests)
    assert_safe(message)
    assert "and 90 more in Fivetran" in json.dumps(message.blocks)
