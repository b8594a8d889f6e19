"""A sync the source's quota postpones, over the real simulator and the Slack double: on a manual schedule
nothing but `POST …/sync` runs it again (DESIGN section 10), so the bot starts it itself at
`rescheduled_for` and follows it to its end; on an auto schedule Fivetran resumes it, and the message says so.

The bot reads the simulated account's clock (`simulated_now`), so `rescheduled_for` lies ahead of it as on a
live account, and the test alone decides when that time has come.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.slack_double.store import Message
from tests.e2e.harness import E2E, GET_CONNECTION, SYNC, running_bot
from tests.e2e.test_sync import start_followed_sync

QUOTA_LASTS_S = 60  # the sync runs this long before the source's API quota is used up
QUOTA_BACK_S = 600  # and Fivetran postpones it this long
NEVER_FOR_MANUAL = ("Fivetran will retry", "Fivetran resumes", "resumes it", "retry")


def revisions(e2e: E2E, status: Message) -> list[str]:
    """Every text the channel message showed, from its post to its latest edit."""
    posted = [c.params["text"] for c in e2e.double.calls_to("chat.postMessage")]
    edits = [c.params["text"] for c in e2e.double.calls_to("chat.update") if c.params["ts"] == status.ts]
    return [*posted[:1], *edits]


def rescheduled_for(e2e: E2E, connection_id: str) -> datetime:
    run = e2e.sim.connections[connection_id].run
    assert run is not None and run.phase == "rescheduled", run
    return run.phase_ends_at


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Returns once `condition` over the simulator holds (the Slack double's waits wake only on what
    reaches Slack, and a follow that waits for the source posts nothing)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"not within {timeout} s")
        await asyncio.sleep(0.01)


async def polled(e2e: E2E, times: int) -> None:
    """Returns once the bot has asked Fivetran for the connection `times` more times."""
    target = e2e.sim_count(GET_CONNECTION) + times
    await until(lambda: e2e.sim_count(GET_CONNECTION) >= target)


async def rescheduled_sync(e2e: E2E, schedule_type: str) -> tuple[str, str, Message]:
    """A followed sync of a healthy connector on `schedule_type` that the source's quota postpones, and
    the channel message once it says so."""
    connection_id, name = e2e.connection_named("healthy")
    e2e.sim.update_connection(connection_id, {"schedule_type": schedule_type})
    e2e.sim.script_sync_outcome(
        connection_id, "rescheduled", duration_s=QUOTA_LASTS_S, reschedule_s=QUOTA_BACK_S
    )
    status = await start_followed_sync(e2e, connection_id, name)
    e2e.clock.advance(QUOTA_LASTS_S + 1)
    await e2e.double.wait_for(lambda: "source quota" in status.text or "quota is used up" in status.text)
    return connection_id, name, status


async def test_a_manual_connectors_rescheduled_sync_is_started_again_by_the_bot_and_followed_to_its_end() -> (
    None
):
    async with running_bot(simulated_now=True) as e2e:
        connection_id, name, status = await rescheduled_sync(e2e, "manual")
        assert "this connector is on a manual schedule, so I'll start it again then" in status.text
        resume_at = rescheduled_for(e2e, connection_id)

        # Just before the time: the bot keeps polling and sends nothing; the simulator resumes nothing.
        e2e.clock.set(resume_at - timedelta(seconds=1))
        await polled(e2e, 3)
        assert e2e.sim_count(SYNC) == 1
        assert rescheduled_for(e2e, connection_id) == resume_at

        # At the time: the bot asks for the sync again, once, and says so in the same message.
        e2e.clock.set(resume_at)
        await until(lambda: e2e.sim_count(SYNC) == 2)
        await e2e.double.wait_for(lambda: f"I started the sync of *{name}* again" in status.text)
        run = e2e.sim.connections[connection_id].run
        assert run is not None and run.phase == "syncing"

        e2e.clock.advance(QUOTA_LASTS_S + 1)  # the resumed run takes as long as the first part did
        await e2e.double.wait_for(lambda: "succeeded" in status.text)
        assert status.text.startswith(f":white_check_mark: Sync of *{name}* succeeded")
        assert "after I started it again" in status.text
        assert e2e.sim_count(SYNC) == 2
        said = revisions(e2e, status)
        assert any("I'll start it again then" in text for text in said), said  # every revision is here
        assert not [text for text in said if any(words in text for words in NEVER_FOR_MANUAL)], said
        # the run the bot started again is the one that ended: resumed at `rescheduled_for`, not later
        assert e2e.sim.connections[connection_id].succeeded_at == resume_at + timedelta(seconds=QUOTA_LASTS_S)


async def test_an_auto_connectors_rescheduled_sync_is_left_to_fivetran_and_the_message_says_when() -> None:
    async with running_bot(simulated_now=True) as e2e:
        connection_id, name, status = await rescheduled_sync(e2e, "auto")
        await e2e.double.wait_for(lambda: "Fivetran resumes it at" in status.text)
        assert status.text.startswith(f":hourglass: Sync of *{name}* was rescheduled")
        resume_at = rescheduled_for(e2e, connection_id)

        e2e.clock.set(resume_at)
        e2e.clock.advance(QUOTA_LASTS_S + 1)
        e2e.sim.tick()
        assert e2e.sim.connections[connection_id].run is None  # Fivetran resumed and finished it alone
        await e2e.settle()
        assert e2e.sim_count(SYNC) == 1  # the bot never asked again
        assert "Fivetran resumes it at" in status.text  # the follow ended there: nothing edited it since
