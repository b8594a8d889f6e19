"""One aiohttp session for each Slack client while the bot runs.

A slack_sdk `AsyncWebClient` without a session opens a new `aiohttp.ClientSession` for every API call: a
new connector, a new TCP (and, against Slack, TLS) connection, closed when the call ends. Every ack's
`response_url` post and every outbox delivery paid that (issue 22: most of a delivered digest's CPU in
the bot after the database). A session is made in the running event loop (aiohttp requires one), so it
is opened by `Bot.start` and closed by `Bot.aclose`; a client that came with its own session keeps it.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient


class SlackSessions:
    def __init__(self, *clients: AsyncWebClient) -> None:
        self._clients = clients
        self._opened: list[tuple[AsyncWebClient, aiohttp.ClientSession]] = []

    def open(self) -> None:
        for client in self._clients:
            if client.session is not None and not client.session.closed:
                continue  # its own, or opened already (the same client twice)
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))
            client.session = session
            self._opened.append((client, session))

    async def aclose(self) -> None:
        opened, self._opened = self._opened, []
        for client, session in opened:
            client.session = None
            await session.close()
