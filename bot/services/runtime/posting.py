"""What the services need to post to channels on the bot's own initiative (digests, alerts, audit mirror).

The services see only these Protocols, the `Posted` value and the two ways a delivery fails; the Slack
implementation (pacing, slack_sdk's errors mapped onto these two) is `bot.slack.poster.SlackPoster`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.blocks.message import Message


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


class PostError(Exception):
    """Slack refused a post for good; `code` is Slack's error (not_in_channel, channel_not_found, …).
    Sending the same post again would be refused the same way."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Slack refused the post: {code}")
        self.code = code


class SlackUnavailable(Exception):
    """Slack could not take the post now (5xx, rate limit past the retries, network): worth trying later."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Slack is unavailable: {code}")
        self.code = code


class ChannelPoster(Protocol):
    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted: ...

    async def update(self, channel: str, ts: str, message: Message) -> None: ...


class PrivatePoster(ChannelPoster, Protocol):
    """A poster that can also answer one person privately (followed syncs tell their asker)."""

    async def ephemeral(self, channel: str, user: str, message: Message) -> None: ...
