"""A listener's work waits while Slack requests are still waiting for their acks.

Bolt's async runner answers Slack's HTTP request by polling `ack.response` every 10 ms
(slack_bolt/listener/asyncio_runner.py), while the listener's work after `await ack()` runs on until its first
real wait. Alone that costs nothing: the ack leaves at the poll's tick anyway. In a burst it does: the
answers' own CPU (a `/hvr list` from the cached snapshot renders in ~3 ms) runs while other requests are
still being verified and dispatched, and each ack waits behind every answer rendered before it (50 lists at
once: the last ack ~180 ms, benchmark 1; Slack allows 3 s, our target is 100 ms).

So the HTTP edge (bot/web/slack_events.py) counts the requests it has not answered yet (`Acks`, put in each
request's Bolt context), and a listener, once acked, waits until that count is 0 — at most `limit_s`, so a
steady stream delays answers by that much but never starves them. Acks first, then answers: an answer
late by a few milliseconds is not seen, an ack late by 3 s is an error in Slack. Socket Mode acks over its
own connection and puts nothing in the context: nothing is waited for there.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

ACKS = "hvr_acks"  # the Bolt context key of the edge's `Acks`
WAIT_LIMIT_S = 0.25


class Acks:
    """The Slack requests the HTTP edge holds whose response has not been handed back yet."""

    def __init__(self) -> None:
        self._waiting = 0
        # Futures of the listeners waiting, made on their running loop when they wait: an `asyncio.Event`
        # made with the web app would be bound to the first loop that waits on it.
        self._listeners: list[asyncio.Future[None]] = []

    @property
    def waiting(self) -> int:
        return self._waiting

    @contextlib.contextmanager
    def awaited(self) -> Iterator[None]:
        """Around one request, from its arrival to its response in hand."""
        self._waiting += 1
        try:
            yield
        finally:
            self._waiting -= 1
            if self._waiting == 0:
                listeners, self._listeners = self._listeners, []
                for listener in listeners:
                    if not listener.done():  # one that timed out was cancelled
                        listener.set_result(None)

    async def clear(self, limit_s: float = WAIT_LIMIT_S) -> None:
        """Returns once no request waits for its ack (at once if none does), or after `limit_s`."""
        if self._waiting == 0:
            return
        cleared: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._listeners.append(cleared)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(cleared, limit_s)
        finally:
            if cleared in self._listeners:  # timed out or cancelled: not left for the next release
                self._listeners.remove(cleared)


async def acks_first(context: Mapping[str, Any], *, limit_s: float = WAIT_LIMIT_S) -> None:
    """In a listener after `ack()`: returns once no Slack request waits for its ack, or after `limit_s`."""
    acks = context.get(ACKS)
    if isinstance(acks, Acks):
        await acks.clear(limit_s)
