"""A poster that records what the bot would have said in Slack, and can be told to fail like Slack.

Its `show` is the bot's own fallback (`bot.slack.fallback.show`) over these fake posts, edits and private
answers, so a service that needs the fallback is tested with the real one."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.blocks.message import Message
from bot.services.runtime.posting import Located, MessageRef, PostError, SlackUnavailable
from bot.slack import fallback


@dataclass
class Post:
    channel: str
    message: Message
    thread_ts: str | None
    ts: str
    broadcast: bool = False

    @property
    def text(self) -> str:
        return self.message.text

    def body(self) -> str:
        return repr(self.message.blocks)


@dataclass
class FakePoster:
    """Records posts, updates and ephemerals, in order.

    `refuse` holds the channels the bot is not in (Slack answers not_in_channel there); `refuse_all` is a
    Slack error every post gets; `crash` is raised as something unexpected; `may_update=False` turns an
    update into a test failure, for callers that must never edit a message. `gone` holds the ts of messages
    deleted meanwhile (an update answers message_not_found); `outage` is a code every post, update and
    private answer fails with as `SlackUnavailable`.
    """

    posts: list[Post] = field(default_factory=list)
    updates: list[tuple[str, str, Message]] = field(default_factory=list)
    ephemerals: list[tuple[str, str, Message]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    refuse_all: str | None = None
    crash: Exception | None = None
    may_update: bool = True
    gone: set[str] = field(default_factory=set)
    outage: str | None = None
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> MessageRef:
        if self.outage is not None:
            raise SlackUnavailable(self.outage)
        if channel in self.refuse:
            raise PostError("not_in_channel")
        if self.refuse_all:
            raise PostError(self.refuse_all)
        if self.crash is not None:
            raise self.crash
        ts = f"1700000000.{next(self._ts):06d}"
        self.posts.append(Post(channel, message, thread_ts, ts, broadcast))
        return MessageRef(channel, ts)

    async def update(self, channel: str, ts: str, message: Message) -> None:
        if not self.may_update:
            raise AssertionError(f"this caller never updates a message; it updated {channel}/{ts}")
        if self.outage is not None:
            raise SlackUnavailable(self.outage)
        if ts in self.gone:
            raise PostError("message_not_found")
        self.updates.append((channel, ts, message))

    async def ephemeral(self, channel: str, user: str, message: Message) -> None:
        if self.outage is not None:
            raise SlackUnavailable(self.outage)
        self.ephemerals.append((channel, user, message))

    async def show(
        self, channel: str, user: str, message: Message, *, ref: MessageRef | None = None
    ) -> MessageRef | None:
        return await fallback.show(self, channel, user, message, ref=ref)

    async def locate(self, ts: str) -> Located:
        """As the outbox's poster answers for a message Slack has: this one posts at once."""
        return Located(ts, sent=True)

    def in_channel(self, channel: str) -> list[Post]:
        return [p for p in self.posts if p.channel == channel]

    def top_level(self, channel: str) -> list[Post]:
        """Channel posts, not thread replies."""
        return [p for p in self.in_channel(channel) if p.thread_ts is None]
