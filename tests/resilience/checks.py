"""Assertions every resilience scenario shares: what a person reads is a plain answer, never a traceback,
and what the bot posts is within Slack's limits."""

from __future__ import annotations

from bot.slack_double import block_problems
from bot.slack_double.store import Message
from tests.e2e.harness import all_text

TRACEBACK_MARKS = ("Traceback", 'File "', "Exception", "Error(", "httpx.", "sqlalchemy", "asyncpg")


def assert_plain_answer(message: Message) -> None:
    text = all_text(message) + "\n" + message.text
    leaked = [mark for mark in TRACEBACK_MARKS if mark in text]
    assert not leaked, f"a person was shown internals {leaked}: {text!r}"
    assert not block_problems(message.blocks), block_problems(message.blocks)
