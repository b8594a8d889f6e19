"""The incident parts of a failure alert: Acknowledge, the Snooze choice, the line that says who took it
or until when it is snoozed, and the thread replies (reminders, a snooze's summary) and `unsnooze`.

Times go out as Slack date tokens (`moment`), so each reader sees them in their own zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.blocks import ids
from bot.blocks.kit import Block, Element, button, context, fallback, section
from bot.blocks.message import Message
from bot.blocks.text import clip, duration, esc, mention, moment, plain
from bot.storage.snoozes import Snooze

NAME_MAX = 150
UNTIL_RECOVERY = "recovery"
# The Snooze choice: its value's first part, what it says, how long (None: until it recovers).
SNOOZES: dict[str, tuple[str, timedelta | None]] = {
    "1h": ("1 hour", timedelta(hours=1)),
    "4h": ("4 hours", timedelta(hours=4)),
    "24h": ("24 hours", timedelta(hours=24)),
    UNTIL_RECOVERY: ("until it recovers", None),
}
OPTION_VALUE_MAX = 150


@dataclass(frozen=True)
class Incident:
    """What the alert says beyond the failure: who took it and when, and the snooze in force."""

    acked_by: str | None = None
    acked_at: datetime | None = None
    snooze: Snooze | None = None


def snooze_value(choice: str, connection_id: str) -> str:
    return f"{choice}|{connection_id}"


def split_snooze_value(value: str) -> tuple[str, str]:
    choice, _, connection_id = value.partition("|")
    return choice, connection_id


def incident_elements(connection_id: str, incident: Incident | None) -> list[Element | None]:
    """Acknowledge (gone once someone took it) and the Snooze choice, for an alert's actions block."""
    elements: list[Element | None] = []
    if incident is None or incident.acked_at is None:
        elements.append(button("Acknowledge", ids.aid(ids.ACKNOWLEDGE), connection_id))
    options = [
        {"text": {"type": "plain_text", "text": plain(f"Snooze {label}", 75)}, "value": value}
        for choice, (label, _) in SNOOZES.items()
        if len(value := snooze_value(choice, connection_id)) <= OPTION_VALUE_MAX
    ]
    if len(options) == len(SNOOZES):
        elements.append(
            {
                "type": "static_select",
                "action_id": ids.aid(ids.SNOOZE),
                "placeholder": {"type": "plain_text", "text": "Snooze"},
                "options": options,
            }
        )
    return elements


def snooze_words(snooze: Snooze) -> str:
    if snooze.until is None:
        return "until it recovers"
    return f"until {moment(snooze.until)}"


def incident_line(incident: Incident | None) -> Block | None:
    """The context line under the alert's headline; None when nobody took it and it is not snoozed."""
    if incident is None:
        return None
    parts: list[str] = []
    if incident.acked_by is not None and incident.acked_at is not None:
        parts.append(
            f":raising_hand: Acknowledged by {mention(incident.acked_by)} {moment(incident.acked_at)}"
        )
    if incident.snooze is not None:
        parts.append(
            f":zzz: Snoozed {snooze_words(incident.snooze)} by {mention(incident.snooze.snoozed_by)}: "
            "further failure alerts are held here"
        )
    return context(" · ".join(parts)) if parts else None


def render_reminder(
    name: str, opened_at: datetime, *, now: datetime, acknowledge_hint: bool = True
) -> Message:
    """The reminder in the alert's thread (sent to the channel too)."""
    span = duration((now - opened_at).total_seconds())
    text = (
        f":rotating_light: *{clip(name, NAME_MAX)}* is still failing, {span} after this alert, and nobody "
        "has acknowledged it."
    )
    if acknowledge_hint:
        text += " *Acknowledge* it above to take it (reminders stop), or snooze it."
    return Message(text=fallback(f"Reminder: {esc(name)} still failing after {span}"), blocks=[section(text)])


def render_snooze_summary(name: str, snooze: Snooze, *, why: str) -> Message:
    """A snooze ended (`why`: "The snooze ended", "It recovered", "Unsnoozed by …"): what was held."""
    held = snooze.held
    what = (
        "no failure alerts were held"
        if held == 0
        else f"{held} failure alert{'s were' if held != 1 else ' was'} held"
    )
    text = f":alarm_clock: {why}: while *{clip(name, NAME_MAX)}* was snoozed here, {what}."
    if snooze.until is not None:
        text += " Failure alerts for it are posted here again."
    return Message(text=fallback(f"{esc(name)}: snooze over, {held} held"), blocks=[section(text)])


def render_snoozed(name: str, snooze: Snooze) -> Message:
    text = (
        f":zzz: {mention(snooze.snoozed_by)} snoozed *{clip(name, NAME_MAX)}* here {snooze_words(snooze)}: "
        "its failure alerts are held and summarised in this thread when the snooze ends."
    )
    return Message(text=fallback(f"{esc(name)} snoozed"), blocks=[section(text)])


def render_unsnoozed(name: str, *, found: bool) -> Message:
    if found:
        text = f"Unsnoozed *{clip(name, NAME_MAX)}*: its failure alerts are posted here again."
    else:
        text = (
            f"*{clip(name, NAME_MAX)}* is not snoozed in this channel. `/hvr watch list` shows the snoozes."
        )
    return Message(text=fallback(text), blocks=[section(text)])


def render_not_an_open_alert(name: str) -> Message:
    text = f"There is no open failure alert for *{clip(name, NAME_MAX)}* in this channel any more."
    return Message(text=fallback(text), blocks=[section(text)])


def snooze_lines(snoozes: Sequence[Snooze], names: dict[str, str]) -> list[str]:
    """One line per snooze in force, for `watch list`."""
    return [
        f"• :zzz: *{clip(names.get(s.connection_id, s.connection_id), 80)}* {snooze_words(s)} · by "
        f"{mention(s.snoozed_by)} · {s.held} held · `/hvr unsnooze {clip(s.connection_id, 60)}`"
        for s in snoozes
    ]
