"""Assertions every view must pass: Slack's limits, and nothing from outside can ping or forge a link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.blocks.message import Message
from bot.slack_double.limits import block_problems, message_problems
from tests.native import problems

# The only `<…>` a view may put into mrkdwn itself: the actor's mention and a date token (its fallback
# escaped, so it holds no `<` or `>` of its own).
BOT_MADE = re.compile(r"<@U1>|<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>|]*>")


def mrkdwn_texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item)


def assert_fits_slack(message: Message) -> None:
    problems = block_problems(message.blocks) + message_problems(text=message.text)
    assert problems == [], problems
    assert message.text.strip(), "the fallback text must say something"


def assert_nothing_unescaped(message: Message) -> None:
    """Plain text can't ping; mrkdwn (the fallback text included) must hold no `<` the bot didn't make."""
    for text in [message.text, *mrkdwn_texts(message.blocks)]:
        rest = BOT_MADE.sub("", text)
        assert "<" not in rest and ">" not in rest, rest[:300]


def assert_native(message: Message) -> None:
    """Date tokens, mentions, plurals and selectors as `tests.native` checks them."""
    found = problems({"text": message.text, "blocks": message.blocks})
    assert found == [], "\n".join(found)


def assert_safe(message: Message) -> None:
    assert_fits_slack(message)
    assert_nothing_unescaped(message)
    assert_native(message)
