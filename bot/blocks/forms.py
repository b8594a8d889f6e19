"""The modals behind `/hvr digest add` and `/hvr watch` typed with nothing after them: the same fields as
the text forms (schedule, time zone, selector, only problems; events for a watch), each input a block of
its own so an error can be shown under the field it is about (`response_action: errors`, by block_id).

`private_metadata` carries the channel the form was opened in: the submission comes from the modal, not
the channel, and the subscription belongs to the channel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bot.blocks import ids
from bot.blocks.text import plain
from bot.services.alerts.events import DEFAULT_WATCH_EVENTS, WatchEvent

View = dict[str, Any]
ONLY_PROBLEMS = "only_problems"
EVENT_LABELS = {
    WatchEvent.FAILURES: "Failures",
    WatchEvent.RECOVERIES: "Recoveries",
    WatchEvent.DELAYS: "Delays",
    WatchEvent.PAUSES: "Pauses and resumes",
    WatchEvent.SYNCS: "Every sync",
}


def _text(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": plain(text, limit), "emoji": True}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _text(label), "value": value}


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    hint: str | None = None,
    optional: bool = False,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _text(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = _text(hint, 2000)
    return block


def _text_input(action: str, *, placeholder: str, initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action,
        "placeholder": _text(placeholder, 150),
    }
    if initial:
        element["initial_value"] = initial
    return element


def _checkboxes(action: str, options: list[dict[str, Any]], initial: Iterable[str] = ()) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "checkboxes", "action_id": action, "options": options}
    wanted = set(initial)  # once: `initial` may be a generator, spent by the first option it is tested on
    chosen = [o for o in options if o["value"] in wanted]
    if chosen:
        element["initial_options"] = chosen
    return element


def _selector_input(*, free_text: bool) -> dict[str, Any]:
    terms = "group:<name>, status:<health>, service:<type>, source:<name>"
    return _input(
        ids.FIELD_SELECTOR,
        "Connectors",
        _text_input("selector", placeholder='group:"Redshift Finance" status:failing'),
        hint=f"Empty for every connector, or any of {terms}"
        + (" and words of a name." if free_text else "."),
        optional=True,
    )


def _modal(callback_id: str, title: str, channel_id: str, blocks: list[dict[str, Any]]) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps({"channel": channel_id}),
        "title": _text(title, 24),
        "submit": _text("Create", 24),
        "close": _text("Cancel", 24),
        "blocks": blocks,
    }


def render_digest_form(channel_id: str, *, default_tz: str) -> View:
    """The digest form for `channel_id`, its zone filled in with HVR_TIMEZONE."""
    blocks = [
        _input(
            ids.FIELD_SCHEDULE,
            "Schedule",
            _text_input("schedule", placeholder="weekdays 09:00"),
            hint='hourly, every 15m, daily 09:00, weekdays 09:00, mon,thu 08:30, or a cron like "0 9 * * mon-fri".',
        ),
        _input(
            ids.FIELD_TZ,
            "Time zone",
            _text_input("tz", placeholder="Europe/Berlin", initial=default_tz),
            hint="The zone the schedule is in, as Area/City (America/New_York) or UTC.",
        ),
        _selector_input(free_text=False),
        _input(
            ids.FIELD_ONLY,
            "Content",
            _checkboxes("only", [_option(ONLY_PROBLEMS, "Only connectors with problems")]),
            optional=True,
        ),
    ]
    return _modal(ids.DIGEST_FORM, "New digest", channel_id, blocks)


def render_watch_form(channel_id: str) -> View:
    """The watch form for `channel_id`, the default events ticked."""
    options = [_option(e.value, EVENT_LABELS[e]) for e in WatchEvent]
    blocks = [
        _selector_input(free_text=True),
        _input(
            ids.FIELD_EVENTS,
            "Alert on",
            _checkboxes("events", options, initial=(e.value for e in DEFAULT_WATCH_EVENTS)),
        ),
    ]
    return _modal(ids.WATCH_FORM, "New watch", channel_id, blocks)


def form_channel(view: dict[str, Any]) -> str:
    """The channel a submitted form belongs to ("" when the metadata is not the bot's)."""
    try:
        metadata = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return ""
    channel = metadata.get("channel") if isinstance(metadata, dict) else None
    return channel if isinstance(channel, str) else ""
