"""Fivetran's rate limits, each a rolling window on the simulator's clock (reference §4):

- every request: 20,000 an hour (a paid account; `hourly_budget`), shown in `X-Rate-Limit*` headers;
- setup tests (`POST …/test`, and `PATCH` a connection with `run_setup_tests: true`): 250 a minute and
  2,500 an hour;
- calls that reach the source: every setup test, plus schema reloads and a table's columns
  (`GET …/columns`): 500 a minute and 5,000 an hour.

A request is counted in every window it belongs to, or in none: one that a full window refuses (429 with
`Retry-After`, the seconds until that window has room again) is not counted anywhere, so a client that
waits as told gets in. Where the docs are silent (they count "create or update a connection with
`run_setup_tests: true`"), a PATCH counts as a setup test only when it says `run_setup_tests: true`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
SETUP_TESTS = "setup_tests"
SOURCE = "source"

TEST = "POST /v1/connections/{connection_id}/test"
PATCH_CONNECTION = "PATCH /v1/connections/{connection_id}"
_SOURCE_CALLS = frozenset(
    {"POST /v1/connections/{connection_id}/schemas/reload",
     "GET /v1/connections/{connection_id}/schemas/{schema}/tables/{table}/columns"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ClassLimit:
    per_minute: int
    per_hour: int
    # how a 429 names what was exceeded: "No more than 250 setup tests a minute"
    noun: str


DEFAULT_CLASSES: dict[str, ClassLimit] = {
    SETUP_TESTS: ClassLimit(250, 2_500, "setup tests"),
    SOURCE: ClassLimit(500, 5_000, "requests that reach the source"),
}


def rate_classes(operation: str, body: Any) -> tuple[str, ...]:
    """The classes a request counts in, besides every request's hourly budget."""
    if operation == TEST:
        return (SETUP_TESTS, SOURCE)
    if operation == PATCH_CONNECTION and isinstance(body, dict) and body.get("run_setup_tests") is True:
        return (SETUP_TESTS, SOURCE)
    if operation in _SOURCE_CALLS:
        return (SOURCE,)
    return ()


@dataclass(slots=True)
class Window:
    limit: int
    period: timedelta
    message: str
    times: deque[datetime] = field(default_factory=deque)

    def _prune(self, now: datetime) -> None:
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()

    def remaining(self, now: datetime) -> int:
        self._prune(now)
        return max(0, self.limit - len(self.times))

    def wait(self, now: datetime) -> int | None:
        """None when one more request fits; else the whole seconds until it does."""
        self._prune(now)
        if len(self.times) < self.limit:
            return None
        if not self.times:  # a limit of 0
            return math.ceil(self.period.total_seconds())
        return max(1, math.ceil((self.times[0] + self.period - now).total_seconds()))


class Refused(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class RateLimits:
    def __init__(self, *, hourly_budget: int, classes: Mapping[str, ClassLimit] | None = None) -> None:
        self.overall = Window(hourly_budget, HOUR, "")
        self.hourly_budget = hourly_budget
        self.windows: dict[str, tuple[Window, Window]] = {
            name: (Window(c.per_minute, MINUTE, f"No more than {c.per_minute} {c.noun} a minute"),
                   Window(c.per_hour, HOUR, f"No more than {c.per_hour} {c.noun} an hour"))
            for name, c in (classes or DEFAULT_CLASSES).items()
        }  # fmt: skip
        # 429s per class ("requests" for the hourly budget), for /_sim/stats
        self.refused: dict[str, int] = {}

    @property
    def hourly_budget(self) -> int:
        return self.overall.limit

    @hourly_budget.setter
    def hourly_budget(self, limit: int) -> None:
        # settable while serving: a test spends the account's budget at once by setting 0
        self.overall.limit = limit
        self.overall.message = f"No more than {limit} requests an hour"

    def remaining(self, now: datetime) -> int:
        return self.overall.remaining(now)

    def spend(self, now: datetime, classes: tuple[str, ...] = ()) -> None:
        """Count one request in the hourly budget and in each of `classes`; raise `Refused` (and count
        nothing) when any of those windows is full."""
        named = [("requests", self.overall)]
        named += [(name, w) for name in classes if name in self.windows for w in self.windows[name]]
        full = [(name, w, wait) for name, w in named if (wait := w.wait(now)) is not None]
        if full:
            name, window, _ = full[0]
            self.refused[name] = self.refused.get(name, 0) + 1
            raise Refused(window.message, max(wait for _, _, wait in full))
        for _, window in named:
            window.times.append(now)
