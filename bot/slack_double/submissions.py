"""A person filling in a modal and pressing Submit: the `view_submission` payload Slack builds from what
they typed, and what Slack does with the app's answer (close the modal, or show errors under fields).

Slack checks the answer: `response_action: errors` is keyed by block_id and must name input blocks of
that view, each with a message (else the modal shows nothing under any field).
"""

from __future__ import annotations

from typing import Any

from bot.slack_double.views import View

Answer = str | bool | list[str] | None


def input_blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The view's input blocks by block_id."""
    return {
        str(b.get("block_id")): b
        for b in view.get("blocks", [])
        if isinstance(b, dict) and b.get("type") == "input" and b.get("block_id")
    }


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in element.get("options", []) if isinstance(o, dict)]


def _state(element: dict[str, Any], answer: Answer) -> dict[str, Any]:
    kind = element.get("type")
    if kind == "plain_text_input":
        text = answer if isinstance(answer, str) else element.get("initial_value")
        return {"type": kind, "value": text or None}
    if kind == "checkboxes":
        chosen = (
            answer
            if isinstance(answer, list)
            else [str(o.get("value")) for o in element.get("initial_options", []) if isinstance(o, dict)]
        )
        return {"type": kind, "selected_options": [o for o in _options(element) if o.get("value") in chosen]}
    if kind == "static_select":
        value = answer if isinstance(answer, str) else (element.get("initial_option") or {}).get("value")
        option = next((o for o in _options(element) if o.get("value") == value), None)
        return {"type": kind, "selected_option": option}
    raise ValueError(f"the double cannot fill in a {kind} element")


def state_values(view: dict[str, Any], answers: dict[str, Answer]) -> dict[str, Any]:
    """`view.state.values` for `answers` (block_id → text, or chosen option values); a field left out
    keeps its initial value, as an untouched field does."""
    unknown = set(answers) - set(input_blocks(view))
    if unknown:
        raise ValueError(f"the view has no input blocks {sorted(unknown)}")
    values: dict[str, Any] = {}
    for block_id, block in input_blocks(view).items():
        element = block.get("element") or {}
        values[block_id] = {str(element.get("action_id")): _state(element, answers.get(block_id))}
    return values


def ack_problems(view: View, body: dict[str, Any] | None) -> list[str]:
    """What Slack would refuse in an app's answer to a submission of `view`."""
    if not body:
        return []
    action = body.get("response_action")
    if action not in ("errors", "update", "push", "clear"):
        return [f"unknown response_action {action!r}"]
    if action != "errors":
        return []
    errors = body.get("errors")
    if not isinstance(errors, dict) or not errors:
        return ["response_action errors needs a non-empty errors object"]
    inputs = input_blocks(view.view)
    problems = [
        f"errors names {k!r}, which is not an input block of the view" for k in errors if k not in inputs
    ]
    problems += [
        f"the error for {k!r} is not a message" for k, v in errors.items() if not v or not isinstance(v, str)
    ]
    return problems
