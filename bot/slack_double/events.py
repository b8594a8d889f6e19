"""What happened in the double, as it happens: for the shell's printer and for tests that wait."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.slack_double.store import Message
from bot.slack_double.unfurls import Share
from bot.slack_double.views import View

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Posted:
    message: Message


@dataclass(frozen=True)
class Updated:
    message: Message


@dataclass(frozen=True)
class Deleted:
    message: Message


@dataclass(frozen=True)
class ViewOpened:
    view: View


@dataclass(frozen=True)
class ViewUpdated:
    view: View


@dataclass(frozen=True)
class ViewPublished:
    user: str
    view: View


@dataclass(frozen=True)
class Unfurled:
    share: Share


@dataclass(frozen=True)
class ViewClosed:
    """A modal the app closed by acking its submission without errors."""

    view: View


Event = Posted | Updated | Deleted | ViewOpened | ViewUpdated | ViewPublished | ViewClosed | Unfurled
Callback = Callable[[Event], None] | Callable[[Event], Awaitable[None]]


class EventBus:
    """Delivers events to subscribers in order and wakes whoever waits for a condition to become true."""

    def __init__(self) -> None:
        self.history: list[Event] = []
        self._subscribers: list[Callback] = []
        self._waiters: list[asyncio.Future[None]] = []

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Calls `callback` with every later event; returns a function that unsubscribes it."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    async def publish(self, event: Event) -> None:
        self.history.append(event)
        for callback in list(self._subscribers):
            # A broken printer or test hook must not turn into a failed Web API call for the bot.
            try:
                result = callback(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("slack double subscriber failed on %r", event)
        self.changed()

    def changed(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(
        self, predicate: Callable[[], T | None], within: float, describe: Callable[[], str]
    ) -> T:
        """Re-evaluates `predicate` after every change until it is truthy, by the loop's real time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {within} s; {describe()}")
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, remaining)
