"""What the double remembers: every call it answered and every message the bot posted."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """One request the double received; `method` is the Web API method, or `response_url`."""

    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Message:
    """A message as a channel member would see it. `user` is the recipient of an ephemeral message."""

    ts: str
    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    user: str | None = None
    ephemeral: bool = False
    updates: int = 0
    deleted: bool = False

    def snapshot(self) -> Message:
        """A copy frozen in time, so an event still shows the message as it was when the event fired."""
        return dataclasses.replace(self, blocks=list(self.blocks))


class MessageStore:
    """Messages by channel, in posting order, with Slack-like `ts` values that sort as they were posted."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._by_channel: dict[str, list[Message]] = {}
        self._by_key: dict[tuple[str, str], Message] = {}
        self._all: list[Message] = []
        self._sequence = 0

    def next_ts(self) -> str:
        # A global sequence keeps every ts unique and ordered even when the injected clock stands still.
        self._sequence += 1
        return f"{int(self._clock()):010d}.{self._sequence:06d}"

    def add(
        self,
        *,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        thread_ts: str | None = None,
        user: str | None = None,
        ephemeral: bool = False,
    ) -> Message:
        message = Message(
            ts=self.next_ts(),
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            user=user,
            ephemeral=ephemeral,
        )
        self._by_channel.setdefault(channel, []).append(message)
        self._by_key[(channel, message.ts)] = message
        self._all.append(message)
        return message

    def get(self, channel: str, ts: str) -> Message | None:
        """The live (not deleted) message at `ts` in `channel`, if any."""
        message = self._by_key.get((channel, ts))
        return None if message is None or message.deleted else message

    def get_any_channel(self, ts: str) -> Message | None:
        for message in self:
            if message.ts == ts and not message.deleted:
                return message
        return None

    def update(self, message: Message, *, text: str | None, blocks: list[dict[str, Any]] | None) -> None:
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks
        message.updates += 1

    def messages(self, channel: str, *, include_deleted: bool = False) -> list[Message]:
        found = self._by_channel.get(channel, [])
        return [m for m in found if include_deleted or not m.deleted]

    def __iter__(self) -> Iterator[Message]:
        """All messages in posting order, across channels, deleted ones included."""
        return iter(list(self._all))

    def find(self, predicate: Callable[[Message], bool]) -> Message | None:
        return next((m for m in self if predicate(m)), None)

    def last(self, channel: str | None = None) -> Message | None:
        live = [m for m in self if not m.deleted and (channel is None or m.channel == channel)]
        return live[-1] if live else None
