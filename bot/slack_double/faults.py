"""Failures on demand and Slack's posting pace, so the bot's retry and pacing code meets them in tests."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

PACING_WINDOW = 1.0


@dataclass
class Fault:
    """How the next call of a method fails: `error` set → HTTP 200 with ok false; else `status`."""

    status: int = 429
    retry_after: int = 1
    error: str | None = None
    times: int = 1


class Faults:
    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = {}
        self._outages: dict[str, tuple[float, Fault]] = {}

    def fail_until(self, method: str, until: float, *, status: int = 500) -> None:
        """Every call of `method` fails with `status` until the double's clock reads `until`: an outage
        that lasts a while, however many calls the bot makes meanwhile."""
        if status < 400:
            raise ValueError("an outage needs an error status (4xx, 5xx)")
        self._outages[method] = (until, Fault(status))

    def outage(self, method: str, now: float) -> Fault | None:
        found = self._outages.get(method)
        if found is None:
            return None
        until, fault = found
        if now >= until:
            del self._outages[method]
            return None
        return fault

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        if error is None and status < 400:
            raise ValueError("a fault needs an error status (4xx, 5xx) or an error code")
        self._queued.setdefault(method, deque()).append(Fault(status, retry_after, error, times))

    def take(self, method: str) -> Fault | None:
        """The fault for this call of `method`, if one is queued; each counts down its `times`."""
        queue = self._queued.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times == 0:
            queue.popleft()
        return fault

    def pending(self, method: str) -> int:
        return sum(f.times for f in self._queued.get(method, ()))


@dataclass(frozen=True)
class PacingViolation:
    """A chat.postMessage that came less than a second after the previous one in the same channel."""

    channel: str
    at: float
    since_previous: float


class Pacer:
    """Slack takes about one chat.postMessage a second per channel; beyond that it may answer 429."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._last_post: dict[str, float] = {}
        self.violations: list[PacingViolation] = []

    def check(self, channel: str) -> int | None:
        """Seconds to wait (the Retry-After) when a post now would be too soon, else None."""
        now = self._clock()
        last = self._last_post.get(channel)
        if last is not None and now - last < PACING_WINDOW:
            self.violations.append(PacingViolation(channel, now, now - last))
            return max(1, math.ceil(PACING_WINDOW - (now - last)))
        return None

    def posted(self, channel: str) -> None:
        self._last_post[channel] = self._clock()
