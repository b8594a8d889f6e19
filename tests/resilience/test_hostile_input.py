"""Hostile strings in every argument of every command: what the bot posts never carries a mention or a link
that came from input, and always stays within Slack's limits."""

from __future__ import annotations

import re

import pytest

from bot.blocks.message import Message
from bot.services.governance.access import Actor
from bot.slack_double import message_problems
from tests.e2e.harness import ADMIN, CHANNEL
from tests.integration.conftest import RecordingResponder
from tests.resilience.harness import Resilient

HOSTILE = {
    "channel": "<!channel>",
    "here": "<!here|here>",
    "mention": "<@U0EVIL001>",
    "link": "<https://evil.example|click>",
    "fullwidth": "＜!channel＞",  # NFKC turns it into <!channel>
    "huge": "x" * 100_000,
    "control": "a\x00b\x07c\x1b[31md\r\ne",
    "confusable": "ｓｙｎｃ\u202e<!everyone>\u200b",
    "markup": "*bold* _it_ ~s~ `code` &amp; &lt;!channel&gt;",
}
TEMPLATES = [
    "help {x}", "list {x}", "list group:{x}", "list status:{x}", "list service:{x}", "show {x}",
    "status {x}", "group {x}", "schemas {x}", "tables {x}", "tables {x} {x}", "sync {x}", "sync {x} --force",
    "pause {x}", "resume {x}", "test {x}", "enable {x} {x}.{x}", "disable {x} {x}.{x}", "resync {x}",
    "resync {x} {x}.{x}", "sync group:{x}", "pause status:{x}", "digest add {x}", "digest add every 15m {x}",
    "digest add every 15m tz:{x}", "digest remove {x}", "digest now {x}", "watch {x}", "watch events:{x}",
    "unwatch {x}", "audit {x}", "audit limit:{x}", "access grant {x} {x}", "access revoke {x}", "{x}",
]  # fmt: skip
# What Slack would turn into a ping or a link, with the parts only hostile input contains.
FORBIDDEN = re.compile(r"<\s*[!@]\s*(channel|here|everyone|U0EVIL)|<\s*https?://evil", re.IGNORECASE)


def texts_of(message: Message) -> list[str]:
    """The fallback text and every mrkdwn text: what Slack parses for mentions and links (plain_text is
    shown as typed, so `<!channel>` there pings nobody)."""
    found = [message.text]

    def visit(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str) and node.get("type") != "plain_text":
                    found.append(value)
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(message.blocks)
    return found


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_arguments_in_every_command_never_ping_never_link_and_stay_within_limits(
    rb: Resilient, kind: str
) -> None:
    value = HOSTILE[kind]
    problems: list[str] = []
    answered = 0
    for template in TEMPLATES:
        out = RecordingResponder()
        await rb.e2e.bot.router.command(template.replace("{x}", value), Actor(ADMIN, CHANNEL), out)
        messages = [r.message for r in out.replies] + out.posts + [m for _, m in out.updates]
        answered += bool(messages)
        for message in messages:
            for text in texts_of(message):
                hit = FORBIDDEN.search(text)
                if hit:
                    problems.append(f"{template!r}: unescaped {hit.group(0)!r} in {text[:200]!r}")
            limits = message_problems(text=message.text, blocks=message.blocks)
            problems += [f"{template!r}: {p}" for p in limits]
    await rb.e2e.bot.background.cancel_all()

    assert answered == len(TEMPLATES)  # never silence
    assert not problems, "\n".join(problems[:20])


async def test_hostile_names_from_fivetran_are_escaped_in_list_show_and_digest(rb: Resilient) -> None:
    connection = next(iter(rb.e2e.sim.connections.values()))
    connection.schema = "<!channel> <https://evil.example|click> <@U0EVIL001>"
    rb.e2e.bot.cache.invalidate()
    outputs: list[Message] = []
    for command in ("list", f"show {connection.id}", "digest now"):
        out = RecordingResponder()
        await rb.e2e.bot.router.command(command, Actor(ADMIN, CHANNEL), out)
        outputs += [r.message for r in out.replies]

    assert len(outputs) >= 3
    found = [t for m in outputs for t in texts_of(m) if FORBIDDEN.search(t)]
    assert not found, found[:5]
    assert any("&lt;!channel&gt;" in t for m in outputs for t in texts_of(m))
