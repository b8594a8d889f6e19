"""What the services need to post to channels on the bot's own initiative (digests, alerts, audit mirror).

The services see only these Protocols, the `MessageRef` value and the two ways a delivery fails; the Slack
implementation (pacing, slack_sdk's errors mapped onto these two, the fallback from an edit to a post to a
private answer) is `bot.slack.poster.SlackPoster`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.blocks.message import Message


@dataclass(frozen=True)
class MessageRef:
    """A channel message the bot posted, so that it can be edited later."""

    channel: str
    ts: str


@dataclass(frozen=True)
class Located:
    """Where a message the bot owes or posted is: `ts` is what to edit or thread under (Slack's ts, or the
    placeholder while the outbox still holds it), None when there is no message (Slack refused it, or it
    was never written); `sent` says Slack has it."""

    ts: str | None
    sent: bool


class PostError(Exception):
    """Slack refused a post for good; `code` is Slack's error (not_in_channel, channel_not_found, …).
    Sending the same post again would be refused the same way."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Slack refused the post: {code}")
        self.code = code


class SlackUnavailable(Exception):
    """Slack could not take the post now (5xx, rate limit past the retries, network): worth trying later.
    `retry_after` is a 429's `Retry-After` in seconds, when Slack said."""

    def __init__(self, code: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"Slack is unavailable: {code}")
        self.code = code
        self.retry_after = retry_after


class ChannelPoster(Protocol):
    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> MessageRef:
        """`broadcast`: a thread reply also shown in the channel (Slack's reply_broadcast)."""
        ...

    async def update(self, channel: str, ts: str, message: Message) -> None: ...


@runtime_checkable
class ManyPoster(Protocol):
    """A poster that takes several posts in one call (the outbox: one write for a fire's chunk of
    digests). Posted and forgotten: no refs are answered, and a post is never refused here."""

    async def post_many(self, posts: Sequence[tuple[str, Message]]) -> None: ...


class FallbackPoster(ChannelPoster, Protocol):
    """News for one person about something they asked for (followed syncs tell their asker, in the
    status message's thread when it ends)."""

    async def show(
        self, channel: str, user: str, message: Message, *, ref: MessageRef | None = None
    ) -> MessageRef | None:
        """Edit `ref`; when it is gone (or None), post in `channel`; when the bot cannot post there, tell
        `user` alone. Returns the channel message now showing it, None when only `user` was told. Raises
        `SlackUnavailable` (try later) or `PostError` when Slack refused for another reason."""
        ...


class OwedPoster(ChannelPoster, Protocol):
    """A poster whose messages Slack may not have yet (the outbox's, `bot.services.runtime.outbox`): the
    ts it answers may be a placeholder, and `locate` tells what became of it since."""

    async def locate(self, ts: str) -> Located: ...
