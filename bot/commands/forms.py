"""A submitted digest or watch form into the same command its text form parses to, or the errors to
show under its fields (block_id → message), so a modal and `/hvr digest add …` make the same subscription.

Each field goes through the text grammar's own parser (schedule, time zone, selector, events), so a
field is accepted or refused exactly as it would be typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks import ids
from bot.blocks.forms import ONLY_PROBLEMS
from bot.commands.digest_commands import DigestAdd, parse_schedule_words, parse_timezone
from bot.commands.grammar import normalise, tokenize
from bot.commands.usage import UsageError
from bot.commands.watch_commands import WatchAdd, events_of
from bot.scheduler.schedule import ACCEPTED
from bot.services.alerts.events import WatchEvent
from bot.services.pipelines.selectors import Selector, SelectorError, parse_selector

Fields = Mapping[str, str | list[str] | None]


class FormErrors(Exception):
    """Messages by block_id, for `response_action: errors`."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def field_values(state_values: Mapping[str, Any]) -> dict[str, str | list[str] | None]:
    """`view.state.values` as Slack sends it, to block_id → typed text or the values of chosen options."""
    found: dict[str, str | list[str] | None] = {}
    for block_id, actions in state_values.items():
        if not isinstance(actions, Mapping):
            continue
        for state in actions.values():
            if not isinstance(state, Mapping):
                continue
            if "selected_options" in state:
                chosen = state.get("selected_options") or []
                found[str(block_id)] = [str(o.get("value")) for o in chosen if isinstance(o, Mapping)]
            elif "selected_option" in state:
                option = state.get("selected_option")
                found[str(block_id)] = str(option.get("value")) if isinstance(option, Mapping) else None
            else:
                value = state.get("value")
                found[str(block_id)] = str(value) if value is not None else None
    return found


def _text(fields: Fields, block_id: str) -> str:
    value = fields.get(block_id)
    return normalise(value) if isinstance(value, str) else ""


def _chosen(fields: Fields, block_id: str) -> list[str]:
    value = fields.get(block_id)
    return list(value) if isinstance(value, list) else []


def _selector(fields: Fields, *, allow_text: bool) -> Selector:
    try:
        return parse_selector(tokenize(_text(fields, ids.FIELD_SELECTOR)), allow_text=allow_text)
    except (SelectorError, UsageError) as error:
        raise FormErrors({ids.FIELD_SELECTOR: str(error)}) from None


def parse_digest_form(fields: Fields, *, default_tz: str) -> DigestAdd:
    errors: dict[str, str] = {}
    tz = None
    try:
        tz = parse_timezone(_text(fields, ids.FIELD_TZ) or default_tz)
    except UsageError as error:
        errors[ids.FIELD_TZ] = error.message
    schedule = None
    try:
        words = tokenize(_text(fields, ids.FIELD_SCHEDULE))  # a cron may come in quotes, as typed
    except UsageError as error:
        words, errors[ids.FIELD_SCHEDULE] = [], error.message
    if not words:
        errors.setdefault(ids.FIELD_SCHEDULE, f"A digest needs a schedule. {ACCEPTED}")
    else:
        try:
            # checked even when the zone is wrong (in UTC then), so both errors show at once
            schedule = parse_schedule_words(words, tz or ZoneInfo("UTC"))
        except UsageError as error:
            errors[ids.FIELD_SCHEDULE] = error.message
    selector = Selector()
    try:
        selector = _selector(fields, allow_text=False)
    except FormErrors as bad:
        errors.update(bad.errors)
    if errors or schedule is None or tz is None:
        raise FormErrors(errors)
    return DigestAdd(schedule, selector, ONLY_PROBLEMS in _chosen(fields, ids.FIELD_ONLY))


def parse_watch_form(fields: Fields) -> WatchAdd:
    errors: dict[str, str] = {}
    chosen = _chosen(fields, ids.FIELD_EVENTS)
    events: tuple[WatchEvent, ...] = ()
    if not chosen:
        errors[ids.FIELD_EVENTS] = "Tick at least one kind of alert."
    else:
        try:
            events = events_of(chosen)
        except UsageError as error:
            errors[ids.FIELD_EVENTS] = error.message
    selector = Selector()
    try:
        selector = _selector(fields, allow_text=True)
    except FormErrors as bad:
        errors.update(bad.errors)
    if errors:
        raise FormErrors(errors)
    return WatchAdd(selector, events)
