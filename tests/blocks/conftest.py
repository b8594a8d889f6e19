from __future__ import annotations

import pytest

from bot.services.pipelines.snapshot import AccountSnapshot
from tests.blocks.factory import make_snapshot


@pytest.fixture(scope="session")
def big() -> dict[int, AccountSnapshot]:
    """Snapshots of 0, 1, 25 and 5,000 connectors, built once: 5,000 connections take a moment."""
    return {n: make_snapshot(n, seed=n) for n in (0, 1, 25, 5000)}
