"""Test doubles for the Slack double's own tests."""

from __future__ import annotations

TOKEN = "xoxb-test"


class FakeClock:
    """Time that moves only when a test says so: expiry and pacing are then exact and instant."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
