"""Fixtures of the services' tests."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The cyclic collector on for the test, and as it was after it (whatever the test left it as)."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()
