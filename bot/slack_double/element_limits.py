"""Slack's limits on Block Kit elements and composition objects (text, option, confirm).

Pure functions: they only append problems to a `Problems` collector. Problems name the offending spot with a
JSON pointer, as Slack's own `invalid_blocks` errors do, so a failing test points at the field.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
BUTTON_STYLES = frozenset({"primary", "danger"})
URL_MAX = 3000
ACTION_ID_MAX = 255
PLACEHOLDER_MAX = 150


class Problems:
    """Collects problems, plus the action_ids seen, which must be unique across a whole message or view."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.action_ids: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")

    def max_length(self, path: str, value: Any, limit: int) -> None:
        if not isinstance(value, str):
            self.add(path, "must be a string")
        elif len(value) > limit:
            self.add(path, f"must be at most {limit} characters (is {len(value)})")

    def count(self, path: str, value: Any, *, low: int, high: int) -> list[Any]:
        """Checks a list's length and returns it (empty when it is not a list) so callers can walk it."""
        if not isinstance(value, list):
            self.add(path, "must be a list")
            return []
        if not low <= len(value) <= high:
            self.add(path, f"must have between {low} and {high} items (has {len(value)})")
        return value


def check_text(
    p: Problems, path: str, obj: Any, *, limit: int, plain_only: bool = False, minimum: int = 1
) -> None:
    if not isinstance(obj, dict):
        p.add(path, "must be a text object")
        return
    kind = obj.get("type")
    if plain_only and kind != "plain_text":
        p.add(f"{path}/type", "must be plain_text")
    elif kind not in TEXT_TYPES:
        p.add(f"{path}/type", f"must be one of {sorted(TEXT_TYPES)}")
    text = obj.get("text")
    if not isinstance(text, str):
        p.add(f"{path}/text", "must be a string")
    elif len(text) < minimum:
        p.add(f"{path}/text", f"must be at least {minimum} character(s)")
    else:
        p.max_length(f"{path}/text", text, limit)


def check_confirm(p: Problems, path: str, obj: Any) -> None:
    if not isinstance(obj, dict):
        p.add(path, "must be a confirmation dialog object")
        return
    for key, limit, plain in (
        ("title", 100, True),
        ("text", 300, False),
        ("confirm", 30, True),
        ("deny", 30, True),
    ):
        if key not in obj:
            p.add(f"{path}/{key}", "is required")
        else:
            check_text(p, f"{path}/{key}", obj[key], limit=limit, plain_only=plain)
    if "style" in obj and obj["style"] not in BUTTON_STYLES:
        p.add(f"{path}/style", f"must be one of {sorted(BUTTON_STYLES)}")


def check_option(
    p: Problems, path: str, obj: Any, *, plain_only: bool = True, with_url: bool = False
) -> None:
    if not isinstance(obj, dict):
        p.add(path, "must be an option object")
        return
    check_text(p, f"{path}/text", obj.get("text"), limit=75, plain_only=plain_only)
    if "value" in obj:
        p.max_length(f"{path}/value", obj["value"], 150)
    elif not with_url:
        p.add(f"{path}/value", "is required")
    if "description" in obj:
        check_text(p, f"{path}/description", obj["description"], limit=75, plain_only=plain_only)
    if "url" in obj:
        if with_url:
            p.max_length(f"{path}/url", obj["url"], URL_MAX)
        else:
            p.add(f"{path}/url", "is only allowed in overflow menus")


def _check_options(
    p: Problems,
    path: str,
    options: Any,
    *,
    low: int,
    high: int,
    plain_only: bool = True,
    with_url: bool = False,
) -> None:
    for i, option in enumerate(p.count(path, options, low=low, high=high)):
        check_option(p, f"{path}/{i}", option, plain_only=plain_only, with_url=with_url)


def _check_static_choices(p: Problems, path: str, el: dict[str, Any]) -> None:
    has_options, has_groups = "options" in el, "option_groups" in el
    if has_options == has_groups:
        p.add(path, "must have exactly one of options and option_groups")
    if has_options:
        _check_options(p, f"{path}/options", el["options"], low=1, high=100)
    if has_groups:
        for i, group in enumerate(p.count(f"{path}/option_groups", el["option_groups"], low=1, high=100)):
            gpath = f"{path}/option_groups/{i}"
            if not isinstance(group, dict):
                p.add(gpath, "must be an option group object")
                continue
            check_text(p, f"{gpath}/label", group.get("label"), limit=75, plain_only=True)
            _check_options(p, f"{gpath}/options", group.get("options"), low=1, high=100)


def _check_button(p: Problems, path: str, el: dict[str, Any]) -> None:
    check_text(p, f"{path}/text", el.get("text"), limit=75, plain_only=True)
    if "value" in el:
        p.max_length(f"{path}/value", el["value"], 2000)
    if "url" in el:
        p.max_length(f"{path}/url", el["url"], URL_MAX)
    if "style" in el and el["style"] not in BUTTON_STYLES:
        p.add(f"{path}/style", f"must be one of {sorted(BUTTON_STYLES)}")
    if "accessibility_label" in el:
        p.max_length(f"{path}/accessibility_label", el["accessibility_label"], 75)


def _check_plain_text_input(p: Problems, path: str, el: dict[str, Any]) -> None:
    for key in ("min_length", "max_length"):
        value = el.get(key)
        if value is not None and (not isinstance(value, int) or not 0 <= value <= 3000):
            p.add(f"{path}/{key}", "must be an integer between 0 and 3000")


def _check_image_element(p: Problems, path: str, el: dict[str, Any]) -> None:
    if "image_url" in el:
        p.max_length(f"{path}/image_url", el["image_url"], URL_MAX)
    elif "slack_file" not in el:
        p.add(path, "must have image_url or slack_file")
    if "alt_text" not in el:
        p.add(f"{path}/alt_text", "is required")
    else:
        p.max_length(f"{path}/alt_text", el["alt_text"], 2000)


_SELECTS = frozenset(
    {
        f"{prefix}{kind}_select"
        for prefix in ("", "multi_")
        for kind in ("static", "external", "users", "conversations", "channels")
    }
)
INTERACTIVE = frozenset(
    {"button", "overflow", "datepicker", "timepicker", "datetimepicker", "checkboxes", "radio_buttons"}
    | _SELECTS
    | {"workflow_button"}
)
INPUTS = frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "file_input",
    }
    | {"datepicker", "timepicker", "datetimepicker", "checkboxes", "radio_buttons"}
    | _SELECTS
)


def check_element(p: Problems, path: str, el: Any, *, allowed: Collection[str]) -> None:
    """Checks one element; `allowed` is what its container accepts (actions, section accessory, input)."""
    if not isinstance(el, dict):
        p.add(path, "must be an element object")
        return
    kind: str = el.get("type", "")
    if kind not in allowed:
        p.add(f"{path}/type", f"element type {kind!r} is not allowed here")
        return
    if kind == "image":
        _check_image_element(p, path, el)
        return
    if "action_id" in el:
        action_id = el["action_id"]
        p.max_length(f"{path}/action_id", action_id, ACTION_ID_MAX)
        if isinstance(action_id, str):
            if action_id in p.action_ids:
                p.add(
                    f"{path}/action_id",
                    f"duplicate action_id {action_id!r} (first at {p.action_ids[action_id]})",
                )
            else:
                p.action_ids[action_id] = path
    if "confirm" in el:
        check_confirm(p, f"{path}/confirm", el["confirm"])
    if "placeholder" in el:
        check_text(p, f"{path}/placeholder", el["placeholder"], limit=PLACEHOLDER_MAX, plain_only=True)
    if kind == "button":
        _check_button(p, path, el)
    elif kind == "overflow":
        _check_options(p, f"{path}/options", el.get("options"), low=2, high=5, with_url=True)
    elif kind in ("static_select", "multi_static_select"):
        _check_static_choices(p, path, el)
    elif kind in ("checkboxes", "radio_buttons"):
        _check_options(p, f"{path}/options", el.get("options"), low=1, high=10, plain_only=False)
    elif kind == "plain_text_input":
        _check_plain_text_input(p, path, el)
    if kind.startswith("multi_") and "max_selected_items" in el:
        value = el["max_selected_items"]
        if not isinstance(value, int) or value < 1:
            p.add(f"{path}/max_selected_items", "must be a positive integer")
