"""The digest and watch modals, compared whole: a field renamed, a hint lost or a default unticked shows."""

from __future__ import annotations

from typing import Any

from bot.blocks.forms import form_channel, render_digest_form, render_watch_form
from bot.slack_double import view_problems


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": value, "emoji": True}


SELECTOR_ELEMENT = {
    "type": "plain_text_input",
    "action_id": "selector",
    "placeholder": text('group:"Redshift Finance" status:failing'),
}
TERMS = "group:<name>, status:<health>, service:<type>, source:<name>"


def test_the_digest_form_is_schedule_zone_selector_and_only_problems() -> None:
    assert render_digest_form("C0DIGESTS", default_tz="Europe/Berlin") == {
        "type": "modal",
        "callback_id": "hvr.form.digest",
        "private_metadata": '{"channel": "C0DIGESTS"}',
        "title": text("New digest"),
        "submit": text("Create"),
        "close": text("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "schedule",
                "label": text("Schedule"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "schedule",
                    "placeholder": text("weekdays 09:00"),
                },
                "optional": False,
                "hint": text(
                    'hourly, every 15m, daily 09:00, weekdays 09:00, mon,thu 08:30, or a cron like "0 9 * * mon-fri".'
                ),
            },
            {
                "type": "input",
                "block_id": "tz",
                "label": text("Time zone"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "tz",
                    "placeholder": text("Europe/Berlin"),
                    "initial_value": "Europe/Berlin",
                },
                "optional": False,
                "hint": text("The zone the schedule is in, as Area/City (America/New_York) or UTC."),
            },
            {
                "type": "input",
                "block_id": "selector",
                "label": text("Connectors"),
                "element": SELECTOR_ELEMENT,
                "optional": True,
                "hint": text(f"Empty for every connector, or any of {TERMS}."),
            },
            {
                "type": "input",
                "block_id": "only",
                "label": text("Content"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "only",
                    "options": [{"text": text("Only connectors with problems"), "value": "only_problems"}],
                },
                "optional": True,
            },
        ],
    }


def test_the_watch_form_is_selector_and_events_with_failures_and_recoveries_ticked() -> None:
    options = [
        {"text": text("Failures"), "value": "failures"},
        {"text": text("Recoveries"), "value": "recoveries"},
        {"text": text("Delays"), "value": "delays"},
        {"text": text("Pauses and resumes"), "value": "pauses"},
        {"text": text("Every sync"), "value": "syncs"},
    ]
    assert render_watch_form("C0ALERTS") == {
        "type": "modal",
        "callback_id": "hvr.form.watch",
        "private_metadata": '{"channel": "C0ALERTS"}',
        "title": text("New watch"),
        "submit": text("Create"),
        "close": text("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "selector",
                "label": text("Connectors"),
                "element": SELECTOR_ELEMENT,
                "optional": True,
                "hint": text(f"Empty for every connector, or any of {TERMS} and words of a name."),
            },
            {
                "type": "input",
                "block_id": "events",
                "label": text("Alert on"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "events",
                    "options": options,
                    "initial_options": options[:2],
                },
                "optional": False,
            },
        ],
    }


def test_a_zone_left_empty_leaves_the_field_without_an_initial_value() -> None:
    element = render_digest_form("C1", default_tz="")["blocks"][1]["element"]
    assert element == {"type": "plain_text_input", "action_id": "tz", "placeholder": text("Europe/Berlin")}


def test_both_forms_are_views_slack_accepts() -> None:
    for view in (render_digest_form("C1", default_tz="UTC"), render_watch_form("C1")):
        assert view_problems(view) == []


def test_the_channel_comes_back_from_the_metadata_and_junk_gives_none() -> None:
    assert form_channel(render_watch_form("C0ALERTS")) == "C0ALERTS"
    assert form_channel({"private_metadata": "not json"}) == ""
    assert form_channel({"private_metadata": '["C1"]'}) == ""
    assert form_channel({"private_metadata": '{"channel": 7}'}) == ""
    assert form_channel({}) == ""
