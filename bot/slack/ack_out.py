"""A listener's work waits while Slack requests are still waiting for their acks.

Bolt's async runner answers Slack's HTTP request by polling `ack.response` every 10 ms
(slack_bolt/listener/asyncio_runner.py), while the listener's work after `await ack()` runs on until its first
real wait. Alone that costs nothing: the ack leaves at the poll's tick anyway. In a burst it does: the
answers' own CPU (a `/hvr list` from the cached snapshot renders in ~3 ms) runs while other requests are
still being verified and dispatched, and each ack waits behind every answer rendered before it (50 lists at
once: the last ack ~180 ms, benchmark 1; Slack allows 3 s, our target is 100 ms).

So the HTTP edge (bot/web/slack_events.py) holds each Slack request, from its body read to its response in
hand, as busy in a `Foreground` of its own (`edge_acks`, put in each request's Bolt context), and a
listener, once acked, waits behind it — `WAIT_LIMIT_S` at most, so a steady stream delays answers by that
much but never starves them. Acks first, then answers: an answer late by a few milliseconds is not seen,
an ack late by 3 s is an error in Slack. Socket Mode acks over its own connection and puts nothing in the
context: nothing is waited for there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.services.runtime.foreground import Foreground

ACKS = "hvr_acks"  # the Bolt context key of the edge's requests not answered yet
WAIT_LIMIT_S = 0.25


def edge_acks() -> Foreground:
    """The requests an HTTP edge has not answered yet: `busy()` around each, `behind()` for the work."""
    return Foreground(max_wait=WAIT_LIMIT_S)


async def acks_first(context: Mapping[str, Any]) -> None:
    """In a listener after `ack()`: returns once no Slack request waits for its ack, or after the limit."""
    acks = context.get(ACKS)
    if isinstance(acks, Foreground):
        await acks.behind()
