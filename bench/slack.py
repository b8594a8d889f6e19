"""The Slack side of a benchmark: the Slack double the bot posts to, and the signed requests Slack sends.

Everything the bot posts is timestamped (`time.perf_counter`) as it reaches the double, so "time to the
answer" is measured where a person would see it.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.slack_double import Event, Posted, SlackDouble, Updated
from bot.slack_double.inbound import InboundFactory, SlackRequest

ADMIN = "UBENCH0001"


def channel_id(prefix: str, n: int) -> str:
    """A channel id of Slack's shape, unique per (prefix, n): C + upper-case letters and digits."""
    return f"C{prefix.upper()}{n:07d}"


@dataclass(frozen=True)
class Seen:
    at: float  # time.perf_counter() when the double had it
    event: Event


class Slack:
    def __init__(self, double: SlackDouble, signing_secret: str | None = None) -> None:
        self.double = double
        self.signing_secret = signing_secret or secrets.token_hex(16)
        self.inbound = InboundFactory(self.signing_secret)
        self.first_message: dict[str, float] = {}
        self.seen: list[Seen] = []
        self._numbers = itertools.count(1)
        double.subscribe(self._on_event)

    def new_channel(self, prefix: str) -> str:
        """A channel nothing was posted to yet: its first message is the answer to what is sent next."""
        return channel_id(prefix, next(self._numbers))

    def _on_event(self, event: Event) -> None:
        now = time.perf_counter()
        if isinstance(event, Posted | Updated):
            self.seen.append(Seen(now, event))
            self.first_message.setdefault(event.message.channel, now)

    def slash(self, text: str, channel: str, *, user: str = ADMIN) -> SlackRequest:
        return self.inbound.slash_command(
            text=text,
            user=user,
            channel=channel,
            response_url=self.double.new_response_url(channel=channel, user=user),
            trigger_id=self.double.new_trigger_id(user=user),
        )

    def click(
        self,
        action_id: str,
        value: str,
        channel: str,
        *,
        user: str = ADMIN,
        message: dict[str, Any] | None = None,
        ephemeral: bool = True,
    ) -> SlackRequest:
        """A button press; `message` is the message the button is on (a stand-in when not given)."""
        message = message or {"type": "message", "ts": "1700000000.000001", "text": "", "blocks": []}
        ts = str(message["ts"])
        return self.inbound.block_action(
            user=user,
            channel=channel,
            message_ts=ts,
            message=message,
            action={"type": "button", "action_id": action_id, "value": value, "block_id": "bench"},
            response_url=self.double.new_response_url(channel=channel, user=user, message_ts=ts),
            trigger_id=self.double.new_trigger_id(user=user),
            ephemeral=ephemeral,
        )

    async def wait_for_channels(self, channels: Iterable[str], timeout: float) -> dict[str, float]:  # noqa: ASYNC109
        """When the first message reached each channel (perf_counter); raises TimeoutError past `timeout`."""
        wanted = list(channels)

        def done() -> dict[str, float] | None:
            if all(c in self.first_message for c in wanted):
                return {c: self.first_message[c] for c in wanted}
            return None

        return await self.double.wait_for(done, timeout)


async def send(http: httpx.AsyncClient, base_url: str, request: SlackRequest) -> tuple[int, float]:
    """POSTs a signed request to /slack/events; (status, seconds until the whole HTTP answer = the ack)."""
    started = time.perf_counter()
    response = await http.post(f"{base_url}/slack/events", content=request.body, headers=request.headers)
    return response.status_code, time.perf_counter() - started


async def warm_up(http: httpx.AsyncClient, base_url: str, slack: Slack, concurrency: int) -> None:
    """`/hvr help` (no Fivetran call) from `concurrency` connections at once: opens the client's
    connections and lets Bolt make its first-request calls, so they are not in the first measurement."""
    channels = [slack.new_channel("WARM") for _ in range(concurrency)]
    await asyncio.gather(*(send(http, base_url, slack.slash("help", c)) for c in channels))
    await slack.wait_for_channels(channels, 30.0)
