"""Fixtures for alerts: both databases, a fake poster and clock, and the simulator behind a real client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.simulator import ManualClock, Simulator
from bot.storage.db import Database
from tests.db_fixtures import (  # noqa: F401 (fixtures are found by name)
    database,
    database_url,
    postgres_server,
    postgres_template,
    postgres_url,
    sqlite_template,
)

from .fakes import Harness, StepClock, make_harness


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def clock(sim_clock: ManualClock) -> StepClock:
    """The bot's clock follows the simulator's, so 'an hour later' means the same to both."""
    return StepClock(sim_clock)


@pytest.fixture
async def sim(sim_clock: ManualClock) -> AsyncIterator[Simulator]:
    simulator = Simulator(seed=7, groups=4, connections=60, clock=sim_clock)
    yield simulator
    await simulator.aclose()


@pytest.fixture
async def harness(database: Database, sim: Simulator, clock: StepClock) -> AsyncIterator[Harness]:  # noqa: F811
    async with make_harness(database, sim, clock) as running:
        yield running
