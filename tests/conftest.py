"""What holds for every test of the bot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.simulator.aliases import check_watched


@pytest.fixture(autouse=True)
def _no_legacy_alias_requests() -> Iterator[None]:
    """DESIGN section 10: the bot never sends a legacy `/v1/connectors…` request. Set up first, so torn
    down last: after the test's own fixtures have finished with their simulators."""
    yield
    check_watched()
