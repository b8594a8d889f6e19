"""Small builders of Block Kit JSON that cut every text to its Slack limit first.

Slack refuses a whole message over one breach of a limit. Views build through these helpers so that none
can happen: texts are cut with a marker, and an element whose value cannot fit is left out rather than
sent broken. They write the JSON themselves (what slack_sdk's models would write, which a test pins), so
that renderers depend on no Slack library.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.blocks.text import cut, plain

Block = dict[str, Any]
Element = dict[str, Any]  # a button, a menu, a confirmation dialog: parts of a block

MAX_BLOCKS = 50
SECTION_TEXT_MAX = 3000
FIELD_MAX = 2000
MAX_FIELDS = 10
HEADER_MAX = 150
BUTTON_MAX = 75
BUTTON_VALUE_MAX = 2000
OPTION_VALUE_MAX = 150
ACTIONS_MAX = 25
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30
# Slack accepts 40,000, but the fallback is what notifications and screen readers say: keep it short.
FALLBACK_MAX = 3000


def _mrkdwn(text: str, limit: int) -> Element:
    # an empty text object is refused by Slack; a lone space is not shown
    return {"type": "mrkdwn", "text": cut(text, limit) or " "}


def _plain(text: str, limit: int) -> Element:
    return {"type": "plain_text", "text": plain(text, limit) or "-", "emoji": True}


def _present(**parts: Any) -> Element:
    # Block Kit leaves an optional part out rather than sending null
    return {k: v for k, v in parts.items() if v is not None}


def fallback(text: str) -> str:
    """The message's top-level text; Slack reads it as mrkdwn too, so it must already be escaped."""
    return cut(text, FALLBACK_MAX) or " "


def header(text: str) -> Block:
    return {"type": "header", "text": _plain(text, HEADER_MAX)}


def section(text: str, *, accessory: Element | None = None) -> Block:
    """A mrkdwn section; `text` must already be escaped."""
    return _present(type="section", text=_mrkdwn(text, SECTION_TEXT_MAX), accessory=accessory)


def fields(items: Iterable[str], *, text: str | None = None) -> Block:
    """A section of up to ten two-column fields (each already escaped); extra fields are dropped."""
    objects = [_mrkdwn(item, FIELD_MAX) for item in list(items)[:MAX_FIELDS]]
    return _present(type="section", text=_mrkdwn(text, SECTION_TEXT_MAX) if text else None, fields=objects)


def context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text, SECTION_TEXT_MAX)]}


def divider() -> Block:
    return {"type": "divider"}


def confirm(title: str, text: str, *, yes: str, no: str = "Cancel", danger: bool = False) -> Element:
    """A confirmation dialog; `text` is mrkdwn and must already be escaped."""
    return _present(
        title=_plain(title, CONFIRM_TITLE_MAX),
        text=_mrkdwn(text, CONFIRM_TEXT_MAX),
        confirm=_plain(yes, CONFIRM_BUTTON_MAX),
        deny=_plain(no, CONFIRM_BUTTON_MAX),
        style="danger" if danger else None,
    )


def button(
    label: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    ask: Element | None = None,
) -> Element | None:
    """A button, or None when its value cannot fit: a button that is missing beats a message refused."""
    if len(value) > BUTTON_VALUE_MAX:
        return None
    return _present(
        type="button",
        text=_plain(label, BUTTON_MAX),
        action_id=action_id,
        value=value,
        style=style,
        confirm=ask,
    )


def overflow(action_id: str, choices: list[tuple[str, str]]) -> Element | None:
    """An overflow menu of (label, value); None when a value cannot fit or there are too few choices."""
    usable = [(label, value) for label, value in choices if len(value) <= OPTION_VALUE_MAX][:5]
    if len(usable) < 2 or len(usable) != len(choices[:5]):
        return None
    options = [{"text": _plain(label, BUTTON_MAX), "value": value} for label, value in usable]
    return {"type": "overflow", "action_id": action_id, "options": options}


def actions(elements: Iterable[Element | None]) -> list[Block]:
    """Actions blocks of at most 25 elements each; no block at all when nothing is left to press."""
    usable = [e for e in elements if e is not None]
    return [
        {"type": "actions", "elements": usable[i : i + ACTIONS_MAX]}
        for i in range(0, len(usable), ACTIONS_MAX)
    ]
