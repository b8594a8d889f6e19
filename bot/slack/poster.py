"""Slack's Web API for messages: post, edit, answer one person privately, and `show` (edit, else post,
else a private answer: `bot.slack.fallback`). The services' posters (digests, alerts, audit mirror,
followed syncs) are one SlackPoster at Slack's pace; each request's answers (`SlackResponder`) have their own.

Slack takes about one message a second per channel. Posts to one channel are queued behind each other
at that pace; different channels proceed in parallel. The Slack client's own retry handler still honours
a 429's Retry-After should Slack disagree. Every failure leaves as one of the two kinds the services know
(`PostError`, `SlackUnavailable`; the table is `bot.slack.errors`), so no service sees slack_sdk.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.message import Message
from bot.clock import Sleep
from bot.services.runtime.posting import MessageRef
from bot.slack import fallback
from bot.slack.errors import failure


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

    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> MessageRef:
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            await self._paced(channel)
            kwargs: dict[str, Any] = {"channel": channel, "text": message.text, "blocks": message.blocks}
            if thread_ts:
                kwargs["thread_ts"] = thread_ts
                if broadcast:
                    kwargs["reply_broadcast"] = True
            try:
                answer = await self._client.chat_postMessage(**kwargs)
            except Exception as error:  # aiohttp and timeouts too: every failure is one of our two kinds
                raise failure(error) from None
            finally:
                self._last[channel] = self._clock()
            return MessageRef(str(answer["channel"]), str(answer["ts"]))

    async def update(self, channel: str, ts: str, message: Message) -> None:
        try:
            await self._client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
        except Exception as error:
            raise failure(error) from None

    async def ephemeral(self, channel: str, user: str, message: Message) -> None:
        """A message only `user` sees, for news about something they asked for privately."""
        try:
            await self._client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.blocks
            )
        except Exception as error:
            raise failure(error) from None

    async def show(
        self, channel: str, user: str, message: Message, *, ref: MessageRef | None = None
    ) -> MessageRef | None:
        """Edit `ref`, else post, else tell `user` alone: `bot.slack.fallback.show`."""
        return await fallback.show(self, channel, user, message, ref=ref)
