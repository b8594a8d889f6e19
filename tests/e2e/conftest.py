"""Fixtures of the end-to-end suite: the whole bot on loopback (see harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import E2E, running_bot


@pytest.fixture
async def e2e() -> AsyncIterator[E2E]:
    """The bot with an operator, an admin, a 12-connector simulated account and a manual clock."""
    async with running_bot() as running:
        yield running
