"""The shapes of time every layer takes, so tests drive waits, leases and expiry without sleeping.

A base module: it imports nothing of the bot, so any layer (fivetran and storage at the bottom included)
may import it without bending the direction of dependencies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

# `asyncio.sleep` in production; a test's fake moves its clock instead of waiting.
Sleep = Callable[[float], Awaitable[None]]

# The wall clock: an aware datetime in UTC (`utcnow` in production).
Now = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)
