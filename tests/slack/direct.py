"""The deliverer's sender as `Bot.start` leaves it: a DirectPoster on a client whose session is open."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.direct_post import DirectPoster
from bot.slack.poster import SlackPoster
from bot.slack.sessions import SlackSessions

TOKEN = "xoxb-direct-secret-1234"


@asynccontextmanager
async def direct_poster(
    api_url: str, token: str = TOKEN, timeout_s: float | None = None
) -> AsyncIterator[DirectPoster]:
    """A DirectPoster on a client whose session is open, as `Bot.start` leaves the deliverer's."""
    client = AsyncWebClient(token=token, base_url=api_url, retry_handlers=[])
    sessions = SlackSessions(client)
    sessions.open()
    try:
        yield DirectPoster(client, SlackPoster(client, interval=0.0), timeout_s=timeout_s)
    finally:
        await sessions.aclose()
