"""The incident parts of an alert, compared as dicts: Acknowledge, the Snooze choice, the status line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.blocks.incidents import (
    Incident,
    incident_elements,
    incident_line,
    render_reminder,
    render_snooze_summary,
)
from bot.storage.snoozes import Snooze

AT = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)
TOKEN = "<!date^1778328000^{date_short_pretty} {time}|2026-05-09 12:00 UTC>"


def _snooze(until: datetime | None, held: int = 0) -> Snooze:
    return Snooze(1, "conn1", "C1", "1.0", "UOPER00001", AT, until, held, None, None)


def test_an_open_alert_offers_acknowledge_and_the_four_snoozes() -> None:
    assert incident_elements("conn1", None) == [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Acknowledge", "emoji": True},
            "action_id": "hvr.acknowledge:0",
            "value": "conn1",
        },
        {
            "type": "static_select",
            "action_id": "hvr.snooze:0",
            "placeholder": {"type": "plain_text", "text": "Snooze"},
            "options": [
                {"text": {"type": "plain_text", "text": "Snooze 1 hour"}, "value": "1h|conn1"},
                {"text": {"type": "plain_text", "text": "Snooze 4 hours"}, "value": "4h|conn1"},
                {"text": {"type": "plain_text", "text": "Snooze 24 hours"}, "value": "24h|conn1"},
                {
                    "text": {"type": "plain_text", "text": "Snooze until it recovers"},
                    "value": "recovery|conn1",
                },
            ],
        },
    ]


def test_an_acknowledged_alert_keeps_only_the_snooze_choice() -> None:
    elements = incident_elements("conn1", Incident("UOPER00001", AT))
    assert [e["type"] for e in elements if e is not None] == ["static_select"]


def test_the_status_line_says_who_took_it_when_and_until_when_it_is_snoozed() -> None:
    line = incident_line(Incident("UOPER00001", AT, _snooze(AT + timedelta(hours=1))))
    later = "<!date^1778331600^{date_short_pretty} {time}|2026-05-09 13:00 UTC>"
    assert line == {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": f":raising_hand: Acknowledged by <@UOPER00001> {TOKEN} · :zzz: Snoozed until {later} by "
                "<@UOPER00001>: further failure alerts are held here",
            }
        ],
    }
    assert incident_line(Incident()) is None and incident_line(None) is None


def test_a_reminder_names_the_pipeline_and_how_long_it_has_failed() -> None:
    message = render_reminder("orders <!here>", AT, now=AT + timedelta(hours=4, minutes=2))
    assert message.text == "Reminder: orders &lt;!here&gt; still failing after 4h 2m"
    assert message.blocks[0]["text"]["text"].startswith(
        ":rotating_light: *orders &lt;!here&gt;* is still failing, 4h 2m after this alert"
    )


def test_a_snooze_summary_counts_what_was_held() -> None:
    message = render_snooze_summary("orders", _snooze(AT, held=3), why="The snooze ended")
    assert message.blocks == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": ":alarm_clock: The snooze ended: while *orders* was snoozed here, 3 failure alerts "
                "were held. Failure alerts for it are posted here again.",
            },
        }
    ]
