"""Slack's Block Kit limits, as a pure checker.

slack_sdk's model classes validate some limits, and only for objects built with them; plain dicts and the
limits it skips (50 blocks a message, 2,000 chars a section field, unique action_ids) reach Slack
unchecked, where the whole message is refused. The double rejects the same payloads with this checker, and
the bot's own view tests call it directly.

Every problem reads `<json-pointer>: <what is wrong>`, e.g. `/blocks/3/text/text: must be at most 3000
characters (is 3001)`.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.slack_double.element_limits import (
    INPUTS,
    INTERACTIVE,
    Problems,
    check_element,
    check_text,
)

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: dict[Surface, int] = {"message": 50, "modal": 100, "home": 100}
MESSAGE_TEXT_MAX = 40_000
SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
HEADER_TEXT_MAX = 150
BLOCK_ID_MAX = 255
MARKDOWN_BLOCK_MAX = 12_000

_ACCESSORIES = INTERACTIVE | {"image"}
_CONTEXT_ELEMENTS = frozenset({"image", "plain_text", "mrkdwn"})
# Blocks Slack knows but whose inner structure the bot never produces: only their common fields are checked.
_OPAQUE_BLOCKS = frozenset({"rich_text", "file", "video", "table", "context_actions"})


def block_problems(blocks: list[dict[str, Any]], *, surface: Surface = "message") -> list[str]:
    """Everything in `blocks` that Slack would refuse on `surface`; empty when the blocks are fine."""
    p = Problems()
    _check_blocks(p, "/blocks", blocks, surface)
    return p.items


def message_problems(*, text: Any = None, blocks: Any = None) -> list[str]:
    """Problems of a whole message payload (its fallback `text` and its `blocks`)."""
    p = Problems()
    if text is not None:
        p.max_length("/text", text, MESSAGE_TEXT_MAX)
    if blocks is not None:
        _check_blocks(p, "/blocks", blocks, "message")
    return p.items


def view_problems(view: Any) -> list[str]:
    """Problems of a modal or Home tab view, its blocks included."""
    p = Problems()
    if not isinstance(view, dict):
        return ["/view: must be an object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        p.add("/view/type", "must be modal or home")
        return p.items
    if kind == "modal":
        check_text(p, "/view/title", view.get("title"), limit=24, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                check_text(p, f"/view/{key}", view[key], limit=24, plain_only=True)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and "submit" not in view:
            p.add("/view/submit", "is required when the view has input blocks")
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        if key in view:
            p.max_length(f"/view/{key}", view[key], limit)
    _check_blocks(p, "/view/blocks", view.get("blocks"), kind)
    return p.items


def _check_blocks(p: Problems, path: str, blocks: Any, surface: Surface) -> None:
    limit = MAX_BLOCKS[surface]
    items = p.count(path, blocks, low=0 if surface == "home" else 1, high=limit)
    block_ids: dict[str, str] = {}
    for i, block in enumerate(items):
        bpath = f"{path}/{i}"
        if not isinstance(block, dict):
            p.add(bpath, "must be a block object")
            continue
        if "block_id" in block:
            block_id = block["block_id"]
            p.max_length(f"{bpath}/block_id", block_id, BLOCK_ID_MAX)
            if isinstance(block_id, str):
                if block_id in block_ids:
                    p.add(
                        f"{bpath}/block_id",
                        f"duplicate block_id {block_id!r} (first at {block_ids[block_id]})",
                    )
                else:
                    block_ids[block_id] = bpath
        checker = _BLOCK_CHECKERS.get(str(block.get("type")))
        if checker is not None:
            checker(p, bpath, block)
        elif block.get("type") not in _OPAQUE_BLOCKS:
            p.add(f"{bpath}/type", f"unknown block type {block.get('type')!r}")


def _section(p: Problems, path: str, block: dict[str, Any]) -> None:
    if "text" not in block and "fields" not in block:
        p.add(path, "a section needs text or fields")
    if "text" in block:
        check_text(p, f"{path}/text", block["text"], limit=SECTION_TEXT_MAX)
    if "fields" in block:
        for i, field in enumerate(p.count(f"{path}/fields", block["fields"], low=1, high=10)):
            check_text(p, f"{path}/fields/{i}", field, limit=SECTION_FIELD_MAX)
    if "accessory" in block:
        check_element(p, f"{path}/accessory", block["accessory"], allowed=_ACCESSORIES)


def _header(p: Problems, path: str, block: dict[str, Any]) -> None:
    check_text(p, f"{path}/text", block.get("text"), limit=HEADER_TEXT_MAX, plain_only=True)


def _actions(p: Problems, path: str, block: dict[str, Any]) -> None:
    for i, el in enumerate(p.count(f"{path}/elements", block.get("elements"), low=1, high=25)):
        check_element(p, f"{path}/elements/{i}", el, allowed=INTERACTIVE)


def _context(p: Problems, path: str, block: dict[str, Any]) -> None:
    for i, el in enumerate(p.count(f"{path}/elements", block.get("elements"), low=1, high=10)):
        epath = f"{path}/elements/{i}"
        kind = el.get("type") if isinstance(el, dict) else None
        if kind not in _CONTEXT_ELEMENTS:
            p.add(epath, "must be an image element or a text object")
        elif kind == "image":
            check_element(p, epath, el, allowed=("image",))
        else:
            check_text(p, epath, el, limit=SECTION_TEXT_MAX)


def _image(p: Problems, path: str, block: dict[str, Any]) -> None:
    check_element(p, path, block, allowed=("image",))
    if "title" in block:
        check_text(p, f"{path}/title", block["title"], limit=2000, plain_only=True)


def _input(p: Problems, path: str, block: dict[str, Any]) -> None:
    check_text(p, f"{path}/label", block.get("label"), limit=2000, plain_only=True)
    if "hint" in block:
        check_text(p, f"{path}/hint", block["hint"], limit=2000, plain_only=True)
    if "element" not in block:
        p.add(f"{path}/element", "is required")
    else:
        check_element(p, f"{path}/element", block["element"], allowed=INPUTS)


def _markdown(p: Problems, path: str, block: dict[str, Any]) -> None:
    text = block.get("text")
    if not isinstance(text, str) or not text:
        p.add(f"{path}/text", "must be a non-empty string")
    else:
        p.max_length(f"{path}/text", text, MARKDOWN_BLOCK_MAX)


def _divider(p: Problems, path: str, block: dict[str, Any]) -> None:
    """A divider has nothing to check beyond the block_id."""


_BLOCK_CHECKERS = {
    "section": _section,
    "header": _header,
    "actions": _actions,
    "context": _context,
    "image": _image,
    "input": _input,
    "markdown": _markdown,
    "divider": _divider,
}
