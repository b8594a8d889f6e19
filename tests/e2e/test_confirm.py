"""Changes that are hard to undo ask first; nothing reaches Fivetran before the Confirm button."""

from __future__ import annotations

from tests.e2e.harness import ADMIN, CHANNEL, E2E, LIST_CONNECTIONS, RESYNC, labels


async def test_resync_asks_for_confirmation_and_runs_once_confirmed_replacing_the_question(e2e: E2E) -> None:
    connection_id, name = e2e.connection_named("healthy")

    sent = await e2e.command(f"resync {name}", user=ADMIN)

    question = await e2e.wait_for_message(lambda m: "Re-sync" in labels(m), since=sent)
    assert question.ephemeral and question.user == ADMIN
    assert question.text.startswith(f":warning: Re-sync *all* data of *{name}* from the start?")
    assert labels(question) == ["Re-sync", "Cancel"]
    await e2e.settle()
    # Only the account was read to find the connector: nothing was asked of Fivetran to change.
    assert e2e.sim_count(RESYNC) == 0
    assert set(e2e.sim.requests_by_operation) == {"GET /v1/groups", LIST_CONNECTIONS}

    click = await e2e.click(question, "Re-sync", user=ADMIN)

    announced = await e2e.wait_for_text("started a re-sync of", since=click)
    assert not announced.ephemeral and announced.channel == CHANNEL
    assert announced.text.startswith(f":white_check_mark: <@{ADMIN}> started a re-sync of *{name}*")
    await e2e.settle()
    assert e2e.sim_count(RESYNC) == 1
    assert e2e.sim.connections[connection_id].is_historical_sync
    # The question is replaced in place by who confirmed what: no button left to press twice.
    assert question.updates == 1
    assert question.text == (
        f":white_check_mark: <@{ADMIN}> confirmed *Re-sync* on *{name}* (`/hvr resync {connection_id}`)"
    )
    assert labels(question) == []


async def test_cancel_on_a_resync_confirmation_replaces_it_and_changes_nothing(e2e: E2E) -> None:
    _, name = e2e.connection_named("healthy")
    sent = await e2e.command(f"resync {name}", user=ADMIN)
    question = await e2e.wait_for_message(lambda m: "Cancel" in labels(m), since=sent)

    await e2e.click(question, "Cancel", user=ADMIN)

    await e2e.double.wait_for(lambda: "Cancelled" in question.text)
    assert question.text.endswith("Nothing was changed.") and labels(question) == []
    await e2e.settle()
    assert e2e.sim_count(RESYNC) == 0
