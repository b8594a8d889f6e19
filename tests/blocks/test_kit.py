"""The builders write Block Kit JSON by hand: exactly what slack_sdk's models write for the same parts.

slack_sdk is the reference here, in a test only, so that blocks/ itself depends on no Slack library.
"""

from __future__ import annotations

from typing import Any

import pytest
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

from bot.blocks import kit
from bot.blocks.text import cut, plain

TEXTS = ["Orders", "", "*bold* & <b>", "é" * 5000]


def _md(text: str, limit: int) -> MarkdownTextObject:
    return MarkdownTextObject(text=cut(text, limit) or " ")


def _pt(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=plain(text, limit) or "-", emoji=True)


def _reference_confirm(title: str, text: str, yes: str, danger: bool) -> ConfirmObject:
    return ConfirmObject(
        title=_pt(title, kit.CONFIRM_TITLE_MAX),
        text=_md(text, kit.CONFIRM_TEXT_MAX),
        confirm=_pt(yes, kit.CONFIRM_BUTTON_MAX),
        deny=_pt("Cancel", kit.CONFIRM_BUTTON_MAX),
        style="danger" if danger else None,
    )


@pytest.mark.parametrize("text", TEXTS)
def test_text_blocks_are_what_slack_sdk_writes(text: str) -> None:
    assert kit.header(text) == HeaderBlock(text=_pt(text, kit.HEADER_MAX)).to_dict()
    assert kit.section(text) == SectionBlock(text=_md(text, kit.SECTION_TEXT_MAX)).to_dict()
    assert kit.context(text) == ContextBlock(elements=[_md(text, kit.SECTION_TEXT_MAX)]).to_dict()
    assert (
        kit.fields([text, "b"]) == SectionBlock(fields=[_md(text, kit.FIELD_MAX), _md("b", 2000)]).to_dict()
    )
    with_text = SectionBlock(text=_md("t", 3000), fields=[_md(text, kit.FIELD_MAX)]).to_dict()
    assert kit.fields([text], text="t") == with_text
    assert kit.divider() == DividerBlock().to_dict()


@pytest.mark.parametrize(("style", "danger"), [(None, False), ("primary", False), ("danger", True)])
def test_buttons_with_and_without_a_confirmation_are_what_slack_sdk_writes(
    style: str | None, danger: bool
) -> None:
    ask = kit.confirm("Pause orders?", "It *stops* syncing.", yes="Pause", danger=danger)
    reference_ask = _reference_confirm("Pause orders?", "It *stops* syncing.", "Pause", danger)
    made = kit.button("Pause " * 30, "hvr.pause", "c1", style=style, ask=ask)
    reference = ButtonElement(
        text=_pt("Pause " * 30, kit.BUTTON_MAX),
        action_id="hvr.pause",
        value="c1",
        style=style,
        confirm=reference_ask,
    )

    assert ask == reference_ask.to_dict()
    assert made == reference.to_dict()
    assert (
        kit.section("s", accessory=made) == SectionBlock(text=_md("s", 3000), accessory=reference).to_dict()
    )
    assert kit.actions([made, None]) == [ActionsBlock(elements=[reference]).to_dict()]


def test_an_overflow_menu_is_what_slack_sdk_writes() -> None:
    choices = [("Show", "hvr.show|c1"), ("Sync", "hvr.sync|c1")]
    reference = OverflowMenuElement(
        action_id="hvr.row:1",
        options=[Option(value=value, text=_pt(label, kit.BUTTON_MAX)) for label, value in choices],
    )

    assert kit.overflow("hvr.row:1", choices) == reference.to_dict()


def test_more_than_25_elements_make_several_actions_blocks() -> None:
    buttons: list[dict[str, Any] | None] = [kit.button(str(i), f"hvr.b:{i}", str(i)) for i in range(30)]

    assert [len(block["elements"]) for block in kit.actions(buttons)] == [25, 5]
