"""The bulk preview of a schedule change, compared whole; and how a run is named in its report."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.blocks.governance import BulkLine, render_bulk_preview, render_bulk_report
from bot.services.pipelines.schedule import ScheduleChange, plan_schedule
from tests.blocks.checks import assert_safe

WINTER = date(2026, 12, 2)  # Europe/Berlin is UTC+1


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": value, "emoji": True}


def mrkdwn(value: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": value}


def pending(*names: str) -> list[BulkLine]:
    return [BulkLine(name, "pending") for name in names]


def test_a_schedule_for_many_says_what_they_will_do_and_asks_in_a_dialog_as_dangerous_as_its_button() -> None:
    patch = plan_schedule(ScheduleChange("daily", at="02:00", tz="Europe/Berlin"), WINTER)
    message = render_bulk_preview(
        "schedule", "group:finance", pending("orders", "billing"), [], run_id="r7", schedule=patch
    )
    ask = "Change the schedule of 2 connectors?"
    assert message.text == "Change the schedule of 2 connectors matching `group:finance`?"
    assert message.blocks == [
        {"type": "header", "text": text(ask)},
        {
            "type": "section",
            "text": mrkdwn(
                "These 2 connectors matching `group:finance` will sync "
                "*daily at 01:00 UTC (02:00 Europe/Berlin)*: `orders`, `billing`"
            ),
        },
        {
            "type": "context",
            "elements": [
                mrkdwn(
                    "Fivetran keeps daily times in UTC: 02:00 in Europe/Berlin is 01:00 UTC today. After a "
                    "daylight-saving change it runs at the same UTC hour, so an hour off locally."
                )
            ],
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": text("Change 2 schedules"),
                    "action_id": "hvr.bulk_confirm:0",
                    "value": "r7",
                    "style": "danger",
                    "confirm": {
                        "title": text(ask),
                        "text": mrkdwn("From now on they sync daily at 01:00 UTC (02:00 Europe/Berlin)."),
                        "confirm": text("Change"),
                        "deny": text("Cancel"),
                        "style": "danger",
                    },
                },
                {"type": "button", "text": text("Cancel"), "action_id": "hvr.bulk_cancel:0", "value": "r7"},
            ],
        },
    ]
    assert_safe(message)


def test_one_connector_is_the_one_connector_and_its_one_schedule() -> None:
    patch = plan_schedule(ScheduleChange("every", minutes=360), WINTER)
    message = render_bulk_preview(
        "schedule", "all connectors", pending("orders"), [], run_id="r1", schedule=patch
    )
    assert message.blocks[0] == {"type": "header", "text": text("Change the schedule of 1 connector?")}
    assert message.blocks[1] == {
        "type": "section",
        "text": mrkdwn("The one connector will sync *every 6h*: `orders`"),
    }
    go = message.blocks[-1]["elements"][0]
    assert go["text"] == text("Change 1 schedule")
    assert go["confirm"]["text"] == mrkdwn("From now on it syncs every 6h.")
    assert_safe(message)


def test_nothing_to_change_says_so_in_words() -> None:
    patch = plan_schedule(ScheduleChange("manual"), WINTER)
    message = render_bulk_preview("schedule", "group:empty", [], [], run_id="", schedule=patch)
    assert message.blocks == [
        {
            "type": "section",
            "text": mrkdwn("Nothing to change: no connector matching `group:empty` needs it."),
        }
    ]


def test_a_pause_preview_counts_its_connectors() -> None:
    message = render_bulk_preview("pause", "status:failing", pending("a", "b"), [], run_id="r2")
    assert message.blocks[0] == {"type": "header", "text": text("Pause 2 connectors?")}
    assert message.blocks[1] == {
        "type": "section",
        "text": mrkdwn("2 connectors matching `status:failing`: `a`, `b`"),
    }
    assert message.blocks[-1]["elements"][0]["text"] == text("Pause 2")


def test_the_report_of_a_schedule_run_names_it_a_schedule_change() -> None:
    lines = [BulkLine("a", "done"), BulkLine("b", "done")]
    message = render_bulk_report("schedule", lines, by="UADMIN0001")
    assert (
        message.text
        == ":white_check_mark: Schedule change of 2 connectors by <@UADMIN0001> finished: 2 done."
    )
