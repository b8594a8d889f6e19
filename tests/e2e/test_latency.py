"""Slack gives an app 3 seconds to answer a request; Fivetran may take longer than that to answer the bot."""

from __future__ import annotations

import asyncio
import time

from tests.e2e.harness import CHANNEL, E2E, OPERATOR, SYNC, labels

ACK_BOUND_S = 1.5  # an acceptance bound inside Slack's 3 s that a bot waiting on Fivetran (2 s a call) fails
LATENCY_S = 2.0


async def test_command_and_button_are_acked_at_once_while_fivetran_takes_two_seconds_per_call(
    e2e: E2E,
) -> None:
    _, name = e2e.connection_named("healthy")
    first = await e2e.command(f"show {name}")
    show = await e2e.wait_for_message(lambda m: "Sync" in labels(m), since=first)
    # From now on the simulator really waits (its sleep is asyncio.sleep) before answering each call.
    e2e.sim.faults.latency_ms = LATENCY_S * 1000
    before = sum(e2e.sim.requests_by_operation.values())

    started = time.perf_counter()
    command, click = await asyncio.gather(e2e.command(f"show {name}"), e2e.click(show, "Sync"))

    assert command.response.status_code == click.response.status_code == 200
    assert command.seconds < ACK_BOUND_S, f"the command was acked after {command.seconds:.2f} s"
    assert click.seconds < ACK_BOUND_S, f"the click was acked after {click.seconds:.2f} s"
    # ...and then the work is done, and its answers arrive, seconds later.
    view = await e2e.wait_for_message(
        lambda m: "Sync" in labels(m) and m.ts != show.ts, since=command, timeout=10.0
    )
    status = await e2e.wait_for_text("requested by", since=click, timeout=10.0)
    assert time.perf_counter() - started >= LATENCY_S
    assert view.ephemeral and view.user == OPERATOR and view.blocks[0]["text"]["text"] == name
    assert not status.ephemeral and status.channel == CHANNEL
    assert e2e.sim_count(SYNC) == 1
    assert sum(e2e.sim.requests_by_operation.values()) > before
