"""Fixtures of the resilience suite. See harness.py and README.md."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.db_fixtures import postgres_server, postgres_template, postgres_url  # noqa: F401
from tests.resilience.harness import Resilient, resilient_bot


@pytest.fixture
async def rb() -> AsyncIterator[Resilient]:
    """The whole bot on loopback over the simulator, with the Slack double's clock and the bot's sleeps
    under the test's control."""
    async with resilient_bot() as running:
        yield running
