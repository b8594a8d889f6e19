"""A client-side request budget, so that bulk work slows down before Fivetran answers 429.

A token bucket sized to the account's hourly limit (20,000 on paid plans, 500 on trial) that refills
continuously. Fivetran's own count is shared with every other tool using the account, so each answer's
`X-Rate-Limit-Remaining` lowers the bucket to what Fivetran says is left.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.clock import Sleep


class RequestBudget:
    def __init__(
        self,
        hourly_limit: int = 20_000,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if hourly_limit < 1:
            raise ValueError("hourly_limit must be at least 1")
        self.capacity = float(hourly_limit)
        self.rate = hourly_limit / 3600.0
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    @property
    def available(self) -> float:
        self._refill()
        return self._tokens

    async def acquire(self) -> float:
        """Take one request's worth; returns how long it waited (0 when a token was there)."""
        async with self._lock:  # FIFO-ish: one waiter at a time, so waits are not multiplied
            self._refill()
            waited = 0.0
            if self._tokens < 1:
                wait = (1 - self._tokens) / self.rate
                await self._sleep(wait)
                waited = wait
                self.waited_seconds += wait
                self._refill()
                # The wait was sized to produce one token; a clock that lags the sleep must not starve us.
                self._tokens = max(self._tokens, 1.0)
            self._tokens -= 1
            return waited

    def observe_remaining(self, remaining: int) -> None:
        self._refill()
        self._tokens = min(self._tokens, float(remaining))
