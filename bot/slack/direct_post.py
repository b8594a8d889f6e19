"""The deliverer's chat.postMessage, one POST on the Slack client's own session, without slack_sdk's path.

A delivered digest spent ~0.7 ms of the event loop in slack_sdk's `chat_postMessage` (issue 22): its
kwargs parsing and request objects, aiohttp's JSON payload encoding the blocks again for every row,
the debug strings of the request and the answer it formats whatever the log level (its logger is
NOTSET, so `logger.level <= DEBUG` always holds), the answer wrapped in a SlackResponse. Here a post is
one POST on the session `SlackSessions` opened for the client, of a body whose blocks are encoded once
per distinct list (the rows of one message share their decoded list: `OutboxRepo._blocks`), and the
answer is read for `ok`, `error`, `channel` and `ts`.

What the answer means is what it means to `SlackPoster`: the one table (`bot.slack.errors.refusal`), a
429's Retry-After kept for the deliverer to wait with the row released, every other failure (the
network, a timeout, an answer that is not JSON) `SlackUnavailable`. The token is in a header and in no
message. Edits, and posts while the client has no open session (the bot not started), go through the
`SlackPoster` as before.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.message import Message
from bot.services.runtime.posting import MessageRef, SlackUnavailable
from bot.slack.errors import refusal
from bot.slack.poster import SlackPoster

ENCODED_KEPT = 16  # distinct blocks lists kept encoded: a fire's 200 digests are a few messages


class DirectPoster:
    """`post` sent as is; `update` through `fallback` (rare: edits of messages the outbox holds)."""

    def __init__(
        self, client: AsyncWebClient, fallback: SlackPoster, *, timeout_s: float | None = None
    ) -> None:
        self._client = client
        self._fallback = fallback
        self._url = urljoin(client.base_url, "chat.postMessage")
        # the client's own limit (slack_sdk's 30 s), not the session's 5 minutes: a Slack that accepts and
        # never answers holds a lane for that long
        self._timeout = aiohttp.ClientTimeout(total=client.timeout if timeout_s is None else timeout_s)
        self._headers = {
            **client.headers,
            "Content-Type": "application/json;charset=utf-8",
            "Authorization": f"Bearer {client.token}",
        }
        # id of a list -> (the list, its JSON): the list is kept so that its id is not reused meanwhile
        self._encoded: dict[int, tuple[list[dict[str, Any]], str]] = {}

    def _blocks_json(self, blocks: list[dict[str, Any]]) -> str:
        found = self._encoded.get(id(blocks))
        if found is None or found[0] is not blocks:
            if len(self._encoded) >= ENCODED_KEPT:
                self._encoded.clear()
            found = self._encoded[id(blocks)] = (blocks, json.dumps(blocks))
        return found[1]

    def body(self, channel: str, message: Message, *, thread_ts: str | None, broadcast: bool) -> bytes:
        """The JSON slack_sdk would send for the same call: channel, text, blocks, and the thread's."""
        fields: dict[str, Any] = {"channel": channel, "text": message.text}
        if thread_ts:
            fields["thread_ts"] = thread_ts
            if broadcast:
                fields["reply_broadcast"] = True
        head = json.dumps(fields)
        return f'{head[:-1]}, "blocks": {self._blocks_json(message.blocks)}}}'.encode()

    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> MessageRef:
        session = self._client.session
        if session is None or session.closed:
            return await self._fallback.post(channel, message, thread_ts=thread_ts, broadcast=broadcast)
        data = self.body(channel, message, thread_ts=thread_ts, broadcast=broadcast)
        try:
            async with session.post(
                self._url,
                data=data,
                headers=self._headers,
                ssl=self._client.ssl or True,
                proxy=self._client.proxy,
                timeout=self._timeout,
            ) as answer:
                status, headers = answer.status, answer.headers
                raw = await answer.read()
        except (TimeoutError, aiohttp.ClientError, OSError) as error:  # the type alone, nothing of
            # the request (a bug of ours is not an outage: it propagates)
            raise SlackUnavailable(type(error).__name__) from None
        try:
            answered = json.loads(raw)
        except ValueError:  # an outage's HTML page
            answered = None
        if not isinstance(answered, dict):
            answered = {}
        if status == 200 and answered.get("ok"):
            return MessageRef(str(answered["channel"]), str(answered["ts"]))
        raise refusal(status, answered.get("error"), headers)

    async def update(self, channel: str, ts: str, message: Message) -> None:
        await self._fallback.update(channel, ts, message)
