"""Posting to channels on the bot's own initiative (digests, alerts, audit mirror), at Slack's pace.

Slack takes about one message a second per channel. Posts to one channel are queued behind each other
at that pace; different channels proceed in parallel. The Slack client's own retry handler still honours
a 429's Retry-After should Slack disagree. Every failure leaves as one of the two kinds the services know
(`PostError`, `SlackUnavailable`), so no service sees slack_sdk.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.message import Message
from bot.clock import Sleep
from bot.services.runtime.posting import Posted, PostError, SlackUnavailable

# Answers that mean "this will never work" rather than "not now".
PERMANENT = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "user_not_in_channel",
    }
)


def _failure(error: Exception) -> Exception:
    if isinstance(error, SlackApiError) and error.response is not None:
        code = str(error.response.get("error") or f"http_{error.response.status_code}")
        if code in PERMANENT and error.response.status_code < 500:
            return PostError(code)
        return SlackUnavailable(code)
    return SlackUnavailable(type(error).__name__)


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
            except Exception as error:  # aiohttp and timeouts too: every failure is one of our two kinds
                raise _failure(error) from None
            finally:
                self._last[channel] = self._clock()
            return Posted(str(answer["channel"]), str(answer["ts"]))

    async def update(self, channel: str, ts: str, message: Message) -> None:
        try:
            await self._client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
        except Exception as error:
            raise _failure(error) from None

    async def ephemeral(self, channel: str, user: str, message: Message) -> None:
        """A message only `user` sees, for news about something they asked for privately."""
        try:
            await self._client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.blocks
            )
        except Exception as error:
            raise _failure(error) from None
