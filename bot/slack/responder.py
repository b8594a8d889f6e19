"""Answering in Slack: response_url for replies, chat.postMessage / chat.update for messages that follow
a sync to its end.

A response_url fails in ordinary ways (used five times, older than 30 minutes); the answer then goes
through the Web API, with the same fallback as every message the bot sends (`bot.slack.fallback`), so
work is not lost because an answer could not go where it was meant to.
"""

from __future__ import annotations

import logging

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.message import Message
from bot.services.runtime.posting import MessageRef
from bot.slack import fallback
from bot.slack.poster import SlackPoster

log = logging.getLogger(__name__)


class SlackResponder:
    def __init__(
        self,
        client: AsyncWebClient,
        respond: AsyncRespond | None,
        *,
        channel_id: str,
        user_id: str,
    ) -> None:
        # Unpaced: a request is answered with a message or two, not a stream, and the client's retry
        # handler waits out a 429 should a channel be busy.
        self._slack = SlackPoster(client, interval=0)
        self._respond = respond
        self._channel = channel_id
        self._user = user_id

    async def reply(self, message: Message, *, replace: bool = False, in_channel: bool = False) -> None:
        if self._respond is not None and self._respond.response_url:
            try:
                answer = await self._respond(
                    text=message.text,
                    blocks=message.blocks,
                    response_type="in_channel" if in_channel else "ephemeral",
                    replace_original=replace,
                )
                if 200 <= answer.status_code < 300:
                    return
                log.warning("response_url answered %s; falling back", answer.status_code)
            except Exception:
                log.warning("response_url failed; falling back", exc_info=True)
        if in_channel:
            await self._slack.show(self._channel, self._user, message)
        else:
            await fallback.tell(self._slack, self._channel, self._user, message)

    async def post(self, message: Message) -> MessageRef | None:
        return await fallback.post_or_none(self._slack, self._channel, message)

    async def update(self, ref: MessageRef, message: Message) -> None:
        await self._slack.show(self._channel, self._user, message, ref=ref)
