"""The Socket Mode connection, opened in the background so that `serve`'s HTTP port never waits for it.

Slack's SDK retries a failed connect inside `connect()` for ever, so awaiting it at start kept uvicorn in
"Waiting for application startup": no /healthz, no Fivetran webhook, and an orchestrator restarting the
process in a loop. Here the WebSocket URL is asked for (`apps.connections.open`) with backoff in a task of
its own; once there is one, the SDK connects and keeps the connection up itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.clock import Sleep

log = logging.getLogger(__name__)


FIRST_RETRY_S = 1.0
MAX_RETRY_S = 60.0


class SocketModeLink:
    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        *,
        sleep: Sleep = asyncio.sleep,
        first_retry: float = FIRST_RETRY_S,
        max_retry: float = MAX_RETRY_S,
    ) -> None:
        self._app = app
        self._token = app_token
        self._sleep = sleep
        self._first_retry = first_retry
        self._max_retry = max_retry
        self._handler: AsyncSocketModeHandler | None = None
        self._task: asyncio.Task[None] | None = None
        self.attempts = 0

    def start(self) -> None:
        """Returns at once; the connection is made by a background task."""
        # Built here, not in __init__: the SDK's aiohttp session must be made inside the running loop.
        self._handler = AsyncSocketModeHandler(self._app, self._token)
        self._task = asyncio.create_task(self._connect(self._handler), name="socket-mode-connect")

    async def _connect(self, handler: AsyncSocketModeHandler) -> None:
        delay = self._first_retry
        while True:
            self.attempts += 1
            try:
                handler.client.wss_uri = await handler.client.issue_new_wss_url()
                break
            except asyncio.CancelledError:
                raise
            except Exception as error:  # aiohttp's connection errors, SlackApiError: both mean "not yet"
                log.warning(
                    "Socket Mode: could not open a connection to Slack (%s); trying again in %.0fs",
                    _describe(error),
                    delay,
                )
            await self._sleep(delay)
            delay = min(delay * 2, self._max_retry)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("Socket Mode connected")

    async def status(self) -> str:
        """Says "ok" while the WebSocket is up, "connecting" before it first is and while the SDK reconnects."""
        if self._handler is None:
            return "not started"
        if await self._handler.client.is_connected():
            return "ok"
        return "connecting"

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._handler is not None:
            await self._handler.close_async()  # type: ignore[no-untyped-call]


def _describe(error: Exception) -> str:
    # Slack's error code is one of its own words; anything else is named by its type (no quoted text).
    if isinstance(error, SlackApiError) and error.response is not None:
        return f"Slack answered {error.response.get('error', 'an error')}"
    return type(error).__name__
