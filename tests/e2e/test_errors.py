"""When something goes wrong, the person hears it in plain words with a reference id that leads to the log."""

from __future__ import annotations

import logging
import re

import pytest

from bot.slack_double.store import Message
from tests.e2e.harness import E2E, OPERATOR, SYNC, all_text, labels

REFERENCE = re.compile(r"Reference: `([0-9a-f]+)`")


def reference_in(message: Message) -> str:
    found = REFERENCE.search(all_text(message))
    assert found is not None, all_text(message)
    return found.group(1)


async def test_an_unexpected_error_tells_the_user_a_reference_id_and_logs_the_traceback_with_it(
    e2e: E2E, caplog: pytest.LogCaptureFixture
) -> None:
    e2e.tamper.crash_next("GET", r"^/v1/connections$", RuntimeError("nobody planned for this"))

    with caplog.at_level(logging.INFO):
        sent = await e2e.command("list")
        told = await e2e.wait_for_text("went wrong", since=sent)
        await e2e.settle()

    assert told.ephemeral and told.user == OPERATOR
    assert told.text == ":warning: Something went wrong on my side; nothing more was done."
    ref = reference_in(told)
    logged = [r for r in caplog.records if ref in r.getMessage() and r.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert logged[0].exc_info is not None and isinstance(logged[0].exc_info[1], RuntimeError)
    assert "Traceback" in caplog.text and "nobody planned for this" in caplog.text


async def test_when_slack_fails_the_status_post_the_person_still_learns_the_sync_started(
    e2e: E2E, caplog: pytest.LogCaptureFixture
) -> None:
    _, name = e2e.connection_named("healthy")
    sent = await e2e.command(f"show {name}")
    show = await e2e.wait_for_message(lambda m: "Sync" in labels(m), since=sent)
    e2e.double.fail_next("chat.postMessage", error="fatal_error")

    click = await e2e.click(show, "Sync")
    await e2e.settle()

    assert e2e.sim_count(SYNC) == 1  # Fivetran runs the sync...
    # ...so the person must hear that it was requested: the status message is owed in the outbox and
    # posted on the deliverer's retry (a couple of seconds later), not lost with the failed call
    told = await e2e.wait_for_message(
        lambda m: f"Sync of *{name}* requested by <@{OPERATOR}>" in m.text, since=click, timeout=15
    )
    assert not told.ephemeral and len(e2e.double.calls_to("chat.postMessage")) >= 2


async def test_a_garbled_fivetran_answer_tells_the_user_plainly_with_a_reference_id_found_in_the_log(
    e2e: E2E, caplog: pytest.LogCaptureFixture
) -> None:
    e2e.sim.faults.script(method="GET", path_regex=r"^/v1/connections$", kind="malformed_json")

    with caplog.at_level(logging.INFO):
        sent = await e2e.command("list")
        told = await e2e.wait_for_text("Fivetran", since=sent)
        await e2e.settle()

    assert told.ephemeral and told.user == OPERATOR
    assert told.text == ":warning: Fivetran answered with something unexpected."
    ref = reference_in(told)
    logged = [r for r in caplog.records if ref in r.getMessage()]
    assert len(logged) == 1 and "not JSON" in logged[0].getMessage()
