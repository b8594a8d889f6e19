"""Each Block Kit limit Slack enforces, one rule per test: the limit itself passes, one more fails."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack_double import block_problems, message_problems, view_problems


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def button(text: str = "Go", action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, **extra}


def actions(*elements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements), **extra}


def option(text: str = "One", value: str = "1") -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def confirm(title: str = "Sure?", text: str = "Really?", yes: str = "Yes", no: str = "No") -> dict[str, Any]:
    return {"title": plain(title), "text": mrkdwn(text), "confirm": plain(yes), "deny": plain(no)}


def problems_at(blocks: list[dict[str, Any]], pointer: str, **kwargs: Any) -> list[str]:
    return [p for p in block_problems(blocks, **kwargs) if p.startswith(pointer)]


def test_well_formed_blocks_have_no_problems() -> None:
    blocks = [
        {"type": "header", "text": plain("Connectors")},
        section("*3* connectors", accessory=button(action_id="refresh")),
        {"type": "divider"},
        {"type": "section", "fields": [mrkdwn("a"), mrkdwn("b")]},
        actions(button(action_id="a", value="v", style="primary", confirm=confirm())),
        {
            "type": "context",
            "elements": [
                mrkdwn("updated"),
                {"type": "image", "image_url": "https://x/y.png", "alt_text": "y"},
            ],
        },
    ]
    assert block_problems(blocks) == []


def test_a_message_holds_at_most_50_blocks() -> None:
    assert block_problems([section()] * 50) == []
    assert problems_at([section()] * 51, "/blocks:") == ["/blocks: must have between 1 and 50 items (has 51)"]


@pytest.mark.parametrize("surface", ["modal", "home"])
def test_a_modal_or_home_tab_holds_at_most_100_blocks(surface: Any) -> None:
    assert block_problems([section()] * 100, surface=surface) == []
    assert problems_at([section()] * 101, "/blocks:", surface=surface)


def test_section_text_is_at_most_3000_characters() -> None:
    assert block_problems([section("x" * 3000)]) == []
    assert problems_at([section("x" * 3001)], "/blocks/0/text/text") == [
        "/blocks/0/text/text: must be at most 3000 characters (is 3001)"
    ]


def test_text_objects_must_not_be_empty() -> None:
    assert problems_at([section("")], "/blocks/0/text/text")


def test_a_section_needs_text_or_fields() -> None:
    assert problems_at([{"type": "section"}], "/blocks/0:")


def test_header_text_is_plain_and_at_most_150_characters() -> None:
    assert block_problems([{"type": "header", "text": plain("x" * 150)}]) == []
    assert problems_at([{"type": "header", "text": plain("x" * 151)}], "/blocks/0/text/text")
    assert problems_at([{"type": "header", "text": mrkdwn("x")}], "/blocks/0/text/type")


def test_button_text_is_at_most_75_characters() -> None:
    assert block_problems([actions(button("x" * 75))]) == []
    assert problems_at([actions(button("x" * 76))], "/blocks/0/elements/0/text/text")


def test_action_id_is_at_most_255_characters() -> None:
    assert block_problems([actions(button(action_id="a" * 255))]) == []
    assert problems_at([actions(button(action_id="a" * 256))], "/blocks/0/elements/0/action_id")


def test_action_ids_are_unique_within_the_message() -> None:
    blocks = [actions(button(action_id="same")), section(accessory=button(action_id="same"))]
    assert problems_at(blocks, "/blocks/1/accessory/action_id") == [
        "/blocks/1/accessory/action_id: duplicate action_id 'same' (first at /blocks/0/elements/0)"
    ]


def test_button_value_is_at_most_2000_characters() -> None:
    assert block_problems([actions(button(value="v" * 2000))]) == []
    assert problems_at([actions(button(value="v" * 2001))], "/blocks/0/elements/0/value")


def test_button_url_is_at_most_3000_characters() -> None:
    assert block_problems([actions(button(url="https://" + "u" * 2992))]) == []
    assert problems_at([actions(button(url="https://" + "u" * 2993))], "/blocks/0/elements/0/url")


def test_button_style_is_primary_or_danger() -> None:
    assert problems_at([actions(button(style="green"))], "/blocks/0/elements/0/style")


def test_an_actions_block_holds_1_to_25_elements() -> None:
    assert block_problems([actions(*(button(action_id=f"b{i}") for i in range(25)))]) == []
    assert problems_at([actions(*(button(action_id=f"b{i}") for i in range(26)))], "/blocks/0/elements:")
    assert problems_at([actions()], "/blocks/0/elements:")


def test_an_actions_block_refuses_non_interactive_elements() -> None:
    assert problems_at([actions({"type": "plain_text_input", "action_id": "x"})], "/blocks/0/elements/0/type")


def test_a_section_holds_at_most_10_fields_of_2000_characters() -> None:
    assert block_problems([{"type": "section", "fields": [mrkdwn("f")] * 10}]) == []
    assert problems_at([{"type": "section", "fields": [mrkdwn("f")] * 11}], "/blocks/0/fields:")
    assert block_problems([{"type": "section", "fields": [mrkdwn("f" * 2000)]}]) == []
    assert problems_at([{"type": "section", "fields": [mrkdwn("f" * 2001)]}], "/blocks/0/fields/0/text")


def test_a_context_block_holds_1_to_10_text_or_image_elements() -> None:
    assert block_problems([{"type": "context", "elements": [mrkdwn("c")] * 10}]) == []
    assert problems_at([{"type": "context", "elements": [mrkdwn("c")] * 11}], "/blocks/0/elements:")
    assert problems_at([{"type": "context", "elements": [button()]}], "/blocks/0/elements/0")


def overflow(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "overflow",
        "action_id": "more",
        "options": [option(value=str(i)) for i in range(n)],
        **extra,
    }


def test_an_overflow_menu_has_2_to_5_options() -> None:
    assert block_problems([section(accessory=overflow(2))]) == []
    assert block_problems([section(accessory=overflow(5))]) == []
    assert problems_at([section(accessory=overflow(1))], "/blocks/0/accessory/options:")
    assert problems_at([section(accessory=overflow(6))], "/blocks/0/accessory/options:")


def test_option_text_is_at_most_75_and_value_at_most_150_characters() -> None:
    menu = {"type": "overflow", "action_id": "m", "options": [option("x" * 75, "v" * 150), option()]}
    assert block_problems([section(accessory=menu)]) == []
    menu["options"] = [option("x" * 76, "v" * 151), option()]
    assert [p.split(":")[0] for p in block_problems([section(accessory=menu)])] == [
        "/blocks/0/accessory/options/0/text/text",
        "/blocks/0/accessory/options/0/value",
    ]


def test_a_static_select_holds_at_most_100_options() -> None:
    select = {
        "type": "static_select",
        "action_id": "s",
        "options": [option(value=str(i)) for i in range(101)],
    }
    assert problems_at([actions(select)], "/blocks/0/elements/0/options:")


def test_a_static_select_needs_options_or_option_groups() -> None:
    assert problems_at([actions({"type": "static_select", "action_id": "s"})], "/blocks/0/elements/0:")


def test_placeholder_is_at_most_150_characters() -> None:
    select = {"type": "users_select", "action_id": "u", "placeholder": plain("p" * 151)}
    assert problems_at([actions(select)], "/blocks/0/elements/0/placeholder/text")


@pytest.mark.parametrize(("field", "limit"), [("title", 100), ("text", 300), ("confirm", 30), ("deny", 30)])
def test_confirm_dialog_texts_have_limits(field: str, limit: int) -> None:
    dialog = confirm("t", "t", "t", "t")
    dialog[field]["text"] = "x" * limit
    assert block_problems([actions(button(confirm=dialog))]) == []
    dialog[field]["text"] = "x" * (limit + 1)
    assert problems_at([actions(button(confirm=dialog))], f"/blocks/0/elements/0/confirm/{field}/text")


def test_a_confirm_dialog_needs_all_four_texts() -> None:
    dialog = confirm()
    del dialog["deny"]
    assert problems_at([actions(button(confirm=dialog))], "/blocks/0/elements/0/confirm/deny")


def test_block_id_is_at_most_255_characters_and_unique() -> None:
    assert block_problems([section(block_id="b" * 255)]) == []
    assert problems_at([section(block_id="b" * 256)], "/blocks/0/block_id")
    assert problems_at([section(block_id="x"), section(block_id="x")], "/blocks/1/block_id")


def test_image_blocks_need_alt_text_and_a_bounded_url() -> None:
    assert block_problems([{"type": "image", "image_url": "https://x/y.png", "alt_text": "y"}]) == []
    assert problems_at([{"type": "image", "image_url": "https://x/y.png"}], "/blocks/0/alt_text")
    assert problems_at([{"type": "image", "image_url": "u" * 3001, "alt_text": "y"}], "/blocks/0/image_url")


def test_input_blocks_need_a_label_and_an_input_element() -> None:
    good = {
        "type": "input",
        "label": plain("Name"),
        "element": {"type": "plain_text_input", "action_id": "n"},
    }
    assert block_problems([good], surface="modal") == []
    assert problems_at([{**good, "label": plain("l" * 2001)}], "/blocks/0/label/text", surface="modal")
    assert problems_at([{**good, "element": button()}], "/blocks/0/element/type", surface="modal")


def test_unknown_block_types_are_refused() -> None:
    assert problems_at([{"type": "sektion"}], "/blocks/0/type")


def test_non_dict_blocks_are_refused_without_crashing() -> None:
    assert block_problems(["section"]) == ["/blocks/0: must be a block object"]  # type: ignore[list-item]


def test_message_text_is_at_most_40000_characters() -> None:
    assert message_problems(text="t" * 40_000) == []
    assert message_problems(text="t" * 40_001) == ["/text: must be at most 40000 characters (is 40001)"]


def test_a_modal_title_is_at_most_24_characters_and_inputs_need_a_submit_button() -> None:
    modal = {"type": "modal", "title": plain("t" * 24), "blocks": [section()]}
    assert view_problems(modal) == []
    assert view_problems({**modal, "title": plain("t" * 25)}) == [
        "/view/title/text: must be at most 24 characters (is 25)"
    ]
    field = {"type": "input", "label": plain("L"), "element": {"type": "plain_text_input", "action_id": "i"}}
    assert view_problems({**modal, "blocks": [field]}) == [
        "/view/submit: is required when the view has input blocks"
    ]


def test_view_private_metadata_is_at_most_3000_characters() -> None:
    home = {"type": "home", "blocks": [], "private_metadata": "m" * 3001}
    assert view_problems(home) == ["/view/private_metadata: must be at most 3000 characters (is 3001)"]
