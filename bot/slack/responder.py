"""Answering in Slack: response_url for replies, chat.postMessage / chat.update for messages that follow
a sync to its end.

Slack fails in ordinary ways (a response_url used five times or older than 30 minutes, a channel the bot
was not invited to, a message deleted meanwhile); each has a fallback here, so work is not lost because
an answer could not go where it was meant to.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.message import Message
from bot.slack.turn import MessageRef

log = logging.getLogger(__name__)

# chat.postMessage errors that mean "not here", answered by falling back to an ephemeral reply
_CANNOT_POST = {
    "not_in_channel",
    "channel_not_found",
    "is_archived",
    "restricted_action",
    "not_allowed_token_type",
}


def _error_code(error: SlackApiError) -> str:
    response: Any = error.response
    try:
        return str(response.get("error", "")) if response is not None else ""
    except AttributeError:
        return ""


class SlackResponder:
    def __init__(
        self,
        client: AsyncWebClient,
        respond: AsyncRespond | None,
        *,
        channel_id: str,
        user_id: str,
    ) -> None:
        self._client = client
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
        await self._fallback(message, in_channel=in_channel)

    async def _fallback(self, message: Message, *, in_channel: bool) -> None:
        if in_channel and await self.post(message) is not None:
            return
        try:
            await self._client.chat_postEphemeral(
                channel=self._channel, user=self._user, text=message.text, blocks=message.blocks
            )
        except SlackApiError as error:
            log.error("could not answer %s in %s: %s", self._user, self._channel, _error_code(error))

    async def post(self, message: Message) -> MessageRef | None:
        try:
            answer = await self._client.chat_postMessage(
                channel=self._channel, text=message.text, blocks=message.blocks
            )
        except SlackApiError as error:
            code = _error_code(error)
            if code in _CANNOT_POST:
                log.info("cannot post in %s (%s); answering the person instead", self._channel, code)
                return None
            raise
        return MessageRef(str(answer["channel"]), str(answer["ts"]))

    async def update(self, ref: MessageRef, message: Message) -> None:
        try:
            await self._client.chat_update(
                channel=ref.channel, ts=ref.ts, text=message.text, blocks=message.blocks
            )
        except SlackApiError as error:
            code = _error_code(error)
            if code in ("message_not_found", "cant_update_message", "channel_not_found"):
                # Deleted meanwhile: the news still matters, so it goes out as a new message.
                log.info("message %s in %s is gone (%s); posting the update anew", ref.ts, ref.channel, code)
                if await self.post(message) is None:
                    await self._fallback(message, in_channel=False)
                return
            raise
