"""A running Slack double per test, a hand-driven clock, and slack_sdk's real async client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_double import SlackDouble
from tests.fakes import FakeClock

from .fakes import TOKEN


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def double(clock: FakeClock) -> AsyncIterator[SlackDouble]:
    async with SlackDouble(bot_token=TOKEN, clock=clock.timestamp) as running:
        yield running


@pytest.fixture
def client(double: SlackDouble) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=double.api_url)
