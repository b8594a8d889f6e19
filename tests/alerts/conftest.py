"""Fixtures for alerts: both databases, a fake poster and clock, and the simulator behind a real client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.simulator import Simulator
from bot.storage.db import Database
from tests.db_fixtures import (  # noqa: F401 (fixtures are found by name)
    database,
    database_url,
    postgres_server,
    postgres_template,
    postgres_url,
    sqlite_template,
)
from tests.fakes import FakeClock
from tests.simulator.aliases import watched

from .fakes import Harness, make_harness


@pytest.fixture
def clock() -> FakeClock:
    """The bot's clock and the simulator's, so 'an hour later' means the same to both."""
    return FakeClock()


@pytest.fixture
async def sim(clock: FakeClock) -> AsyncIterator[Simulator]:
    simulator = watched(Simulator(seed=7, groups=4, connections=60, clock=clock))
    yield simulator
    await simulator.aclose()


@pytest.fixture
async def harness(database: Database, sim: Simulator, clock: FakeClock) -> AsyncIterator[Harness]:  # noqa: F811
    async with make_harness(database, sim, clock) as running:
        yield running
