"""The line a message carries when the outbox could not deliver it at once (DESIGN section 9)."""

from __future__ import annotations

from datetime import timedelta

from bot.blocks.message import Message
from bot.blocks.text import duration

# Slack's limit; a message already at it keeps its blocks and says it in the text only.
MAX_BLOCKS = 50


def delay_words(waited: timedelta, reason: str) -> str:
    return f"delayed {duration(waited.total_seconds())}: {reason}"


def with_delay_note(message: Message, waited: timedelta, reason: str) -> Message:
    """`message` with a context line saying how long it waited and why."""
    words = delay_words(waited, reason)
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": f"_{words}_"}]}
    if not message.blocks:
        return Message(f"{message.text}\n_{words}_")
    if len(message.blocks) >= MAX_BLOCKS:
        return Message(f"{message.text} ({words})", list(message.blocks))
    return Message(message.text, [*message.blocks, note])
