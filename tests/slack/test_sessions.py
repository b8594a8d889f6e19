"""Slack clients share one aiohttp session each while the bot runs, instead of one per API call."""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.sessions import SlackSessions
from bot.slack_double import SlackDouble


async def test_each_client_gets_one_session_for_all_its_calls_and_loses_it_on_close() -> None:
    async with SlackDouble(bot_token="xoxb-test") as double:
        client = AsyncWebClient(token="xoxb-test", base_url=double.api_url)
        sessions = SlackSessions(client, client)
        sessions.open()
        session = client.session
        assert isinstance(session, aiohttp.ClientSession)

        for _ in range(3):
            await client.chat_postMessage(channel="C1", text="hello")
        assert client.session is session and not session.closed  # not replaced by a call

        await sessions.aclose()
        assert session.closed and client.session is None


async def test_a_client_that_came_with_its_own_session_keeps_it() -> None:
    async with aiohttp.ClientSession() as own:
        client = AsyncWebClient(token="xoxb-test", session=own)
        sessions = SlackSessions(client)
        sessions.open()
        await sessions.aclose()
        assert client.session is own and not own.closed
