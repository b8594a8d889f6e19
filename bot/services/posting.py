"""Posting to channels on the bot's own initiative (digests, alerts, audit mirror), at Slack's pace.

Slack takes about one message a second per channel. Posts to one channel are queued behind each other
at that pace; different channels proceed in parallel. The Slack client's own retry handler still honours
a 429's Retry-After should Slack disagree.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.message import Message

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


class PostError(Exception):
    """Slack refused a post; `code` is Slack's error (not_in_channel, channel_not_found, …)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Slack refused the post: {code}")
        self.code = code


class ChannelPoster(Protocol):
    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted: ...

    async def update(self, channel: str, ts: str, message: Message) -> None: ...


class SlackPoster:
    def __init__(
        self,
        client: AsyncWebClient,
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._client = client
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    async def _paced(self, channel: str) -> None:
        last = self._last.get(channel)
        if last is not None:
            wait = self._interval - (self._clock() - last)
            if wait > 0:
                await self._sleep(wait)

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            await self._paced(channel)
            kwargs: dict[str, Any] = {"channel": channel, "text": message.text, "blocks": message.blocks}
            if thread_ts:
                kwargs["thread_ts"] = thread_ts
            try:
                answer = await self._client.chat_postMessage(**kwargs)
            except SlackApiError as error:
                code = (
                    str(error.response.get("error", "unknown_error"))
                    if error.response is not None
                    else "unknown"
                )
                raise PostError(code) from None
            finally:
                self._last[channel] = self._clock()
            return Posted(str(answer["channel"]), str(answer["ts"]))

    async def update(self, channel: str, ts: str, message: Message) -> None:
        try:
            await self._client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
        except SlackApiError as error:
            code = (
                str(error.response.get("error", "unknown_error")) if error.response is not None else "unknown"
            )
            raise PostError(code) from None

    async def ephemeral(self, channel: str, user: str, message: Message) -> None:
        """A message only `user` sees, for news about something they asked for privately."""
        try:
            await self._client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.blocks
            )
        except SlackApiError as error:
            code = (
                str(error.response.get("error", "unknown_error")) if error.response is not None else "unknown"
            )
            raise PostError(code) from None
