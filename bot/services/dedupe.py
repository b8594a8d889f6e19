""" "Already doing that": the same change asked twice within a short window runs once.

Slack retries and double clicks arrive as separate requests; so does the same button pressed by two
people watching one channel. Fivetran would happily start the second sync. A window keyed on what would
change (action, connector, parameters) stops that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Dedupe(Protocol):
    async def first_time(self, key: str, window_s: float) -> bool: ...


class MemoryDedupe:
    """One process's memory; the database-backed one serves several replicas."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._seen: dict[str, float] = {}

    async def first_time(self, key: str, window_s: float) -> bool:
        now = self._clock()
        if len(self._seen) > 10_000:
            self._seen = {k: t for k, t in self._seen.items() if t > now}
        until = self._seen.get(key)
        if until is not None and until > now:
            return False
        self._seen[key] = now + window_s
        return True
