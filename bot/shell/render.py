"""Block Kit as terminal text: headers, sections, fields, context lines, and numbered buttons.

Pure: blocks in, lines and the numbered controls out. Colour only when asked (stdout is a terminal).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BOLD, DIM, CYAN, RESET = "\033[1m", "\033[2m", "\033[36m", "\033[0m"

# The emoji codes the bot uses, as glyphs for a terminal; piped output keeps the codes (ASCII-safe).
GLYPHS = {
    ":red_circle:": "🔴",
    ":construction:": "🚧",
    ":x:": "❌",
    ":double_vertical_bar:": "⏸",
    ":hourglass:": "⏳",
    ":hourglass_flowing_sand:": "⏳",
    ":snail:": "🐌",
    ":arrows_counterclockwise:": "🔄",
    ":large_green_circle:": "🟢",
    ":white_check_mark:": "✅",
    ":warning:": "⚠️",
    ":white_circle:": "⚪",
    ":no_entry:": "⛔",
    ":lock:": "🔒",
    ":information_source:": "ℹ️",
    ":mag:": "🔍",
    ":wastebasket:": "🗑",
}


@dataclass(frozen=True)
class Control:
    """A numbered button or overflow option the person can `click`."""

    number: int
    label: str
    action: dict[str, Any]  # what goes into the block_actions payload's `actions[0]`
    confirm: dict[str, Any] | None = None


_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>|<([^<>]+)>")

# A Slack id as the person's name, as a Slack client shows a mention; None when nobody by that id is known.
Names = Callable[[str], str | None]


def _nobody(user_id: str) -> str | None:
    return None


def _link(match: re.Match[str], names: Names) -> str:
    target, label, bare = match.group(1), match.group(2), match.group(3)
    target = target or bare
    if target.startswith("@"):
        user_id = target[1:].split("|")[0]
        return "@" + (names(user_id) or label or user_id)
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!date^"):
        # a Slack date token: the terminal shows its fallback, the time as the bot wrote it
        return label
    if target.startswith("!subteam^"):
        return "@" + (label or target.split("^", 1)[1])
    if target.startswith("!"):
        return "@" + target[1:]
    return f"{label} ({target})" if label and label != target else target


def mrkdwn(text: str, *, colour: bool, names: Names = _nobody) -> str:
    text = _LINK.sub(lambda match: _link(match, names), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    bold = BOLD + r"\1" + RESET if colour else r"\1"
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", bold, text)
    if colour:
        for code, glyph in GLYPHS.items():
            text = text.replace(code, glyph)
    return text


class BlockPrinter:
    """`names`: who a mention is, so the terminal shows `@Ada Admin` where Slack shows the name."""

    def __init__(self, *, colour: bool, names: Names = _nobody) -> None:
        self.colour = colour
        self._names = names

    def _text(self, obj: dict[str, Any] | None, *, colour: bool) -> str:
        if not obj:
            return ""
        raw = str(obj.get("text", ""))
        return mrkdwn(raw, colour=colour, names=self._names) if obj.get("type") == "mrkdwn" else raw

    def _style(self, text: str, style: str) -> str:
        return f"{style}{text}{RESET}" if self.colour else text

    def render(self, blocks: list[dict[str, Any]], fallback: str) -> tuple[list[str], list[Control]]:
        lines: list[str] = []
        controls: list[Control] = []
        if not blocks:
            return [mrkdwn(fallback, colour=self.colour, names=self._names)], controls
        for block in blocks:
            kind = block.get("type")
            if kind == "header":
                # Verbatim: a header is often a connector name, and names are case-sensitive.
                lines.append(self._style(self._text(block.get("text"), colour=False), BOLD))
            elif kind == "section":
                if block.get("text"):
                    lines.extend(self._text(block["text"], colour=self.colour).splitlines())
                fields = [self._text(f, colour=self.colour) for f in block.get("fields") or []]
                for left, right in zip(fields[::2], [*fields[1::2], ""], strict=False):
                    lines.append(
                        f"  {left.replace(chr(10), ' ')}"
                        + (f"   {right.replace(chr(10), ' ')}" if right else "")
                    )
                accessory = block.get("accessory")
                if accessory:
                    row = self._controls([accessory], controls)
                    if row:
                        lines.append("    " + row)
            elif kind == "context":
                parts = [
                    self._text(e, colour=False) if e.get("type") in ("mrkdwn", "plain_text") else ""
                    for e in block.get("elements") or []
                ]
                lines.append(self._style(" · ".join(p for p in parts if p), DIM))
            elif kind == "actions":
                row = self._controls(block.get("elements") or [], controls)
                if row:
                    lines.append(row)
            elif kind == "divider":
                lines.append(self._style("─" * 40, DIM))
        return lines, controls

    def _controls(self, elements: list[dict[str, Any]], controls: list[Control]) -> str:
        shown: list[str] = []
        for element in elements:
            if element.get("type") == "button":
                label = self._text(element.get("text"), colour=False)
                number = len(controls) + 1
                action = {
                    "type": "button",
                    "action_id": element.get("action_id", ""),
                    "block_id": element.get("block_id", ""),
                    "value": element.get("value", ""),
                    "text": element.get("text"),
                }
                controls.append(Control(number, label, action, element.get("confirm")))
                shown.append(self._style(f"[{number}] {label}", CYAN))
            elif element.get("type") == "overflow":
                for option in element.get("options") or []:
                    label = self._text(option.get("text"), colour=False)
                    number = len(controls) + 1
                    action = {
                        "type": "overflow",
                        "action_id": element.get("action_id", ""),
                        "selected_option": {"text": option.get("text"), "value": option.get("value", "")},
                    }
                    controls.append(Control(number, label, action, element.get("confirm")))
                    shown.append(self._style(f"[{number}] {label}", CYAN))
        return "  ".join(shown)
