""" "Already doing that": the same change asked twice within a short window runs once.

Slack retries and double clicks arrive as separate requests; so does the same button pressed by two
people watching one channel. Fivetran would happily start the second sync. A window keyed on what would
change (action, connector, parameters) stops that.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class Dedupe(Protocol):
    async def first_time(self, key: str, window_s: float) -> bool: ...


class MemoryDedupe:
    """One process's memory; the database-backed one serves several replicas.

    Keys expire in the order they were stored within one window length (the clock is monotonic), so
    each window keeps a queue in that order and a call drops only the expired keys at its head: O(1)
    amortised, however many keys are live (a full sweep per call stalled every ack past 10,000 keys).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}
        self._queues: dict[float, OrderedDict[str, float]] = {}

    def __len__(self) -> int:
        return len(self._until)

    def _expire(self, now: float) -> None:
        for queue in self._queues.values():
            while queue:
                key, until = next(iter(queue.items()))
                if until > now:
                    break
                queue.popitem(last=False)
                if self._until.get(key) == until:  # not renewed under another window since
                    del self._until[key]

    async def first_time(self, key: str, window_s: float) -> bool:
        now = self._clock()
        self._expire(now)
        if key in self._until:
            return False
        until = now + window_s
        self._until[key] = until
        queue = self._queues.setdefault(window_s, OrderedDict())
        queue[key] = until
        queue.move_to_end(key)
        return True
