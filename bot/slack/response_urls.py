"""Answers through a request's response_url, every one on one HTTP session.

Bolt's `respond` makes an aiohttp session per call: a new TCP (and, to Slack, TLS) connection for every
answer, opened and closed again. At a hundred commands a second that was over a tenth of serve's CPU. Here
the answers share one session and its kept-alive connections; what is sent is exactly Bolt's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

TIMEOUT_S = 30.0  # AsyncWebhookClient's own default


class SharedRespond(AsyncRespond):
    """Bolt's `respond` for one request, sending on the session `ResponseUrls` keeps."""

    def __init__(self, urls: ResponseUrls, original: AsyncRespond) -> None:
        super().__init__(response_url=original.response_url, proxy=original.proxy, ssl=original.ssl)
        self._urls = urls

    async def __call__(  # Bolt's signature, so that this stands wherever a `respond` is taken
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        client = AsyncWebhookClient(
            url=self.response_url, session=self._urls.session(), proxy=self.proxy, ssl=self.ssl
        )
        return await client.send_dict(message)


class ResponseUrls:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the running loop, which `build_bot` precedes.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))
        return self._session

    def wrap(self, respond: AsyncRespond) -> AsyncRespond:
        return SharedRespond(self, respond)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
