"""A client-side request budget, so that work slows down before Fivetran answers 429.

Fivetran limits an account three ways (DESIGN sections 3 and 10): every request (20,000 an hour on paid
plans, 500 on trial); setup tests (250 a minute and 2,500 an hour); and calls that reach the source, setup
tests included, plus schema reloads and column configs (500 a minute and 5,000 an hour).

The hourly total is a token bucket that refills continuously. Fivetran's own count is shared with every
other tool using the account, so each answer's `X-Rate-Limit-Remaining` lowers the bucket to what Fivetran
says is left.

Each class is a sliding log instead: Fivetran counts over a rolling window, and a bucket of 250 refilled
at 250 a minute would let 500 setup tests through in the first minute. The log keeps when each of the
last N requests of the class went out; the next one waits until the oldest is a window old, plus a margin
for the network, which can deliver two requests closer together than they were sent.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

from bot.clock import Sleep

SETUP_TESTS = "setup_tests"
SOURCE = "source"


@dataclass(frozen=True)
class Window:
    limit: int  # requests at most
    seconds: float  # in any window this long


Limits = Mapping[str, Sequence[Window]]

# Fivetran's rate-limiting page, per plan.
PAID: Limits = {
    SETUP_TESTS: (Window(250, 60), Window(2_500, 3600)),
    SOURCE: (Window(500, 60), Window(5_000, 3600)),
}
TRIAL: Limits = {
    SETUP_TESTS: (Window(50, 3600),),
    SOURCE: (Window(25, 60), Window(250, 3600)),
}
TRIAL_HOURLY_LIMIT = 500  # what a trial account allows in all; the bot knows the plan only by this


def limits_for(hourly_limit: int) -> Limits:
    return TRIAL if hourly_limit <= TRIAL_HOURLY_LIMIT else PAID


_CONNECTION = r"^/v1/connections/[^/]+"
_TABLE = _CONNECTION + r"/schemas/[^/]+/tables/[^/]+"
# Which classes a request counts in, by what Fivetran counts: the operation, not who sends it.
_RULES: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("POST", re.compile(_CONNECTION + r"/test/?$"), (SETUP_TESTS, SOURCE)),
    ("POST", re.compile(_CONNECTION + r"/schemas/reload/?$"), (SOURCE,)),
    ("GET", re.compile(_TABLE + r"/columns/?$"), (SOURCE,)),
    # Fivetran documents only the read of a table's columns as a source call; a column's change is
    # counted too, so that the bot never learns otherwise from a 429.
    ("PATCH", re.compile(_TABLE + r"/columns/[^/]+/?$"), (SOURCE,)),
)


def classes_of(method: str, path: str) -> tuple[str, ...]:
    """The rate-limit classes of one request, besides the total every request counts in."""
    method = method.upper()
    for verb, pattern, classes in _RULES:
        if verb == method and pattern.match(path):
            return classes
    return ()


class _Log:
    """When the last `limit` requests of a class went out, for one of its windows."""

    def __init__(self, window: Window, margin: float) -> None:
        self.limit = window.limit
        self.span = window.seconds + margin
        self._sent: deque[float] = deque()

    def wait(self, now: float) -> float:
        while self._sent and now - self._sent[0] >= self.span:
            self._sent.popleft()
        if len(self._sent) < self.limit:
            return 0.0
        return self._sent[0] + self.span - now

    def take(self, at: float) -> None:
        self._sent.append(at)


class RequestBudget:
    def __init__(
        self,
        hourly_limit: int = 20_000,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        limits: Limits | None = None,
        margin: float = 1.0,
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
        chosen = limits_for(hourly_limit) if limits is None else limits
        self.limits = {name: tuple(windows) for name, windows in chosen.items()}
        self._logs = {name: [_Log(w, margin) for w in windows] for name, windows in self.limits.items()}
        # one lock a class: a setup test waiting for its minute holds up no other kind of request
        self._class_locks = {name: asyncio.Lock() for name in self.limits}
        self.waited_seconds = 0.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    @property
    def available(self) -> float:
        self._refill()
        return self._tokens

    async def acquire(self, *classes: str) -> float:
        """Take one request's worth of the total and of each of `classes` (see `classes_of`); returns how
        long it waited (0 when there was room)."""
        paced = sorted({name for name in classes if name in self._logs})  # a class without limits: none
        waited = await self._paced(paced) if paced else 0.0
        return waited + await self._total()

    async def _paced(self, classes: list[str]) -> float:
        async with AsyncExitStack() as held:
            for name in classes:  # always in the same order: two requests never hold one each
                await held.enter_async_context(self._class_locks[name])
            logs = [log for name in classes for log in self._logs[name]]
            start = self._clock()
            wait = max(log.wait(start) for log in logs)
            if wait > 0:
                await self._sleep(wait)
                self.waited_seconds += wait
            # The wait was sized to make room in every log (none changed meanwhile: their locks are held);
            # a clock that lags the sleep must not make this request count as sent earlier than planned.
            at = max(self._clock(), start + wait)
            for log in logs:
                log.take(at)
            return wait

    async def _total(self) -> float:
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
