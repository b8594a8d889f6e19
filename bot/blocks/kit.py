"""Small builders over `slack_sdk.models.blocks` that cut every text to its Slack limit first.

slack_sdk raises `SlackObjectFormationError` on some breaches and lets others through to Slack, which then
refuses the whole message. Views build through these helpers so that neither can happen: texts are cut with
a marker, and an element whose value cannot fit is left out rather than sent broken.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.text import cut, plain

Block = dict[str, Any]

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


def _mrkdwn(text: str, limit: int) -> MarkdownTextObject:
    # an empty text object is refused by Slack; a lone space is not shown
    return MarkdownTextObject(text=cut(text, limit) or " ")


def _plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=plain(text, limit) or "-", emoji=True)


def fallback(text: str) -> str:
    """The message's top-level text; Slack reads it as mrkdwn too, so it must already be escaped."""
    return cut(text, FALLBACK_MAX) or " "


def header(text: str) -> Block:
    return HeaderBlock(text=_plain(text, HEADER_MAX)).to_dict()


def section(text: str, *, accessory: Any = None) -> Block:
    """A mrkdwn section; `text` must already be escaped."""
    block = SectionBlock(text=_mrkdwn(text, SECTION_TEXT_MAX), accessory=accessory)
    return block.to_dict()


def fields(items: Iterable[str], *, text: str | None = None) -> Block:
    """A section of up to ten two-column fields (each already escaped); extra fields are dropped."""
    objects = [_mrkdwn(item, FIELD_MAX) for item in list(items)[:MAX_FIELDS]]
    block = SectionBlock(text=_mrkdwn(text, SECTION_TEXT_MAX) if text else None, fields=objects)
    return block.to_dict()


def context(text: str) -> Block:
    return ContextBlock(elements=[_mrkdwn(text, SECTION_TEXT_MAX)]).to_dict()


def divider() -> Block:
    return DividerBlock().to_dict()


def confirm(title: str, text: str, *, yes: str, no: str = "Cancel", danger: bool = False) -> ConfirmObject:
    """A confirmation dialog; `text` is mrkdwn and must already be escaped."""
    return ConfirmObject(
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
    ask: ConfirmObject | None = None,
) -> ButtonElement | None:
    """A button, or None when its value cannot fit: a button that is missing beats a message refused."""
    if len(value) > BUTTON_VALUE_MAX:
        return None
    return ButtonElement(
        text=_plain(label, BUTTON_MAX), action_id=action_id, value=value, style=style, confirm=ask
    )


def overflow(action_id: str, choices: list[tuple[str, str]]) -> OverflowMenuElement | None:
    """An overflow menu of (label, value); None when a value cannot fit or there are too few choices."""
    usable = [(label, value) for label, value in choices if len(value) <= OPTION_VALUE_MAX][:5]
    if len(usable) < 2 or len(usable) != len(choices[:5]):
        return None
    options = [Option(value=value, text=_plain(label, BUTTON_MAX)) for label, value in usable]
    return OverflowMenuElement(action_id=action_id, options=options)


def actions(elements: Iterable[ButtonElement | None]) -> list[Block]:
    """Actions blocks of at most 25 elements each; no block at all when nothing is left to press."""
    usable = [e for e in elements if e is not None]
    return [
        ActionsBlock(elements=usable[i : i + ACTIONS_MAX]).to_dict()
        for i in range(0, len(usable), ACTIONS_MAX)
    ]
