"""Slack gives an app 3 seconds to answer a request; Fivetran may take longer than that to answer the bot.

Fivetran is held, not slowed: every call waits until the test lets it go, so an ack that came back was
not waiting for Fivetran, however loaded the machine, and no real time is spent waiting."""

from __future__ import annotations

import asyncio

from tests.e2e.harness import CHANNEL, E2E, OPERATOR, SYNC, labels

SLACK_ACK_S = 3.0  # Slack's limit, as a guard: a bot waiting on a held Fivetran would never answer


class Held:
    """The simulator's latency sleep: every call waits until `release()`; `reached` is set once one does."""

    def __init__(self) -> None:
        self.waiting = 0
        self.reached = asyncio.Event()
        self._released = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waiting += 1
        self.reached.set()
        await self._released.wait()

    def release(self) -> None:
        self._released.set()


async def test_command_and_button_are_acked_at_once_while_fivetran_has_not_answered(e2e: E2E) -> None:
    _, name = e2e.connection_named("healthy")
    first = await e2e.command(f"show {name}")
    show = await e2e.wait_for_message(lambda m: "Sync" in labels(m), since=first)
    held = Held()
    e2e.sim.sleep = held
    e2e.sim.faults.latency_ms = 1  # from now on every call waits in `held`
    before = sum(e2e.sim.requests_by_operation.values())

    async with asyncio.timeout(SLACK_ACK_S):
        command, click = await asyncio.gather(e2e.command(f"show {name}"), e2e.click(show, "Sync"))
        assert command.response.status_code == click.response.status_code == 200
        await held.reached.wait()  # the work behind the acks did ask Fivetran, which has not answered

    held.release()  # ...and then the work is done, and its answers arrive
    view = await e2e.wait_for_message(lambda m: "Sync" in labels(m) and m.ts != show.ts, since=command)
    status = await e2e.wait_for_text("requested by", since=click)
    assert view.ephemeral and view.user == OPERATOR and view.blocks[0]["text"]["text"] == name
    assert not status.ephemeral and status.channel == CHANNEL
    assert e2e.sim_count(SYNC) == 1
    assert sum(e2e.sim.requests_by_operation.values()) > before
