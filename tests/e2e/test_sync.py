"""Pressing Sync: one channel message that follows the sync to its end, updated in place."""

from __future__ import annotations

import asyncio

from bot.slack_double.store import Message
from tests.e2e.harness import CHANNEL, E2E, OPERATOR, SYNC, VIEWER, labels


async def show_view(e2e: E2E, name: str, *, user: str = OPERATOR) -> Message:
    sent = await e2e.command(f"show {name}", user=user)
    return await e2e.wait_for_message(lambda m: "Sync" in labels(m), since=sent)


async def start_followed_sync(e2e: E2E, connection_id: str, name: str) -> Message:
    """Operator clicks Sync on the show view; returns the channel message once it says the sync runs."""
    show = await show_view(e2e, name)
    click = await e2e.click(show, "Sync")
    assert click.response.status_code == 200
    status = await e2e.wait_for_text(f"Sync of *{name}* requested by <@{OPERATOR}>", since=click)
    await e2e.double.wait_for(lambda: "Syncing" in status.text)
    return status


def assert_updated_in_place(e2e: E2E, status: Message) -> None:
    posts = e2e.double.calls_to("chat.postMessage")
    updates = e2e.double.calls_to("chat.update")
    assert len(posts) == 1 and posts[0].params["channel"] == CHANNEL
    assert len(updates) == status.updates >= 2  # "syncing", then the end
    assert {(u.params["channel"], u.params["ts"]) for u in updates} == {(CHANNEL, status.ts)}
    assert [m.ts for m in e2e.double.messages(CHANNEL) if not m.ephemeral] == [status.ts]


async def test_sync_click_posts_who_requested_it_then_updates_that_message_until_it_succeeded(
    e2e: E2E,
) -> None:
    connection_id, name = e2e.connection_named("healthy")
    e2e.sim.script_sync_outcome(connection_id, "success", duration_s=300)

    status = await start_followed_sync(e2e, connection_id, name)
    assert not status.ephemeral and status.channel == CHANNEL
    e2e.clock.advance(301)

    await e2e.double.wait_for(lambda: "succeeded" in status.text)
    assert status.text.startswith(f":white_check_mark: Sync of *{name}* succeeded in ")
    assert_updated_in_place(e2e, status)
    assert labels(status) == ["Show"]
    assert e2e.sim_count(SYNC) == 1


async def test_sync_click_updates_the_message_to_say_the_sync_failed_and_why(e2e: E2E) -> None:
    connection_id, name = e2e.connection_named("healthy")
    reason = "Source API returned 502 Bad Gateway"
    e2e.sim.script_sync_outcome(connection_id, "failure", duration_s=120, reason=reason)

    status = await start_followed_sync(e2e, connection_id, name)
    e2e.clock.advance(121)

    await e2e.double.wait_for(lambda: "failed" in status.text)
    assert status.text.startswith(f":x: Sync of *{name}* failed after ")
    assert status.text.endswith(f": {reason}")
    assert_updated_in_place(e2e, status)
    assert labels(status) == ["Show", "Sync again"]


async def test_a_viewer_pressing_an_operators_sync_again_button_is_told_the_role_it_needs(e2e: E2E) -> None:
    connection_id, name = e2e.connection_named("healthy")
    e2e.sim.script_sync_outcome(connection_id, "failure", duration_s=60)
    status = await start_followed_sync(e2e, connection_id, name)
    e2e.clock.advance(61)
    await e2e.double.wait_for(lambda: "failed" in status.text)
    before = sum(e2e.sim.requests_by_operation.values())

    click = await e2e.click(status, "Sync again", user=VIEWER)

    refusal = await e2e.wait_for_text("needs the operator role", since=click)
    assert refusal.ephemeral and refusal.user == VIEWER
    assert refusal.text.startswith(":lock: `sync` needs the operator role; you are a viewer.")
    await e2e.settle()
    assert e2e.sim_count(SYNC) == 1
    assert sum(e2e.sim.requests_by_operation.values()) == before  # not even a read
    assert "failed" in status.text and status.updates == 2  # the operator's message is left as it was


async def test_a_double_click_on_sync_triggers_one_sync_and_tells_the_second_click_so(e2e: E2E) -> None:
    _, name = e2e.connection_named("healthy")
    show = await show_view(e2e, name)

    first, second = await asyncio.gather(e2e.click(show, "Sync"), e2e.click(show, "Sync"))

    assert first.response.status_code == second.response.status_code == 200
    told = await e2e.wait_for_text("I'm not doing it twice", since=first)
    assert told.ephemeral and told.user == OPERATOR
    await e2e.wait_for_text("requested by", since=first)
    await e2e.settle()
    assert e2e.sim_count(SYNC) == 1
    assert len(e2e.double.calls_to("chat.postMessage")) == 1


async def test_a_rate_limited_post_is_sent_again_after_retry_after_and_arrives(e2e: E2E) -> None:
    _, name = e2e.connection_named("healthy")
    show = await show_view(e2e, name)
    e2e.double.fail_next("chat.postMessage", status=429, retry_after=1)

    click = await e2e.click(show, "Sync")

    status = await e2e.wait_for_text("requested by", since=click, timeout=5.0)
    assert not status.ephemeral and status.channel == CHANNEL
    refused, accepted = e2e.double.calls_to("chat.postMessage")
    assert accepted.at - refused.at >= 0.95  # waited out Retry-After: 1
    assert [m.ts for m in e2e.double.messages(CHANNEL) if not m.ephemeral] == [status.ts]
    assert e2e.sim_count(SYNC) == 1


async def test_sync_again_right_after_a_typed_sync_runs_and_its_double_click_is_refused_once(
    e2e: E2E,
) -> None:
    """The typed `/hvr sync` and the Sync again button of the message it became are two requests, even
    within the dedupe window; two presses of that one button (the same message state) are one."""
    connection_id, name = e2e.connection_named("healthy")
    e2e.sim.script_sync_outcome(connection_id, "failure", duration_s=60)
    sent = await e2e.command(f"sync {connection_id}")
    status = await e2e.wait_for_text(f"Sync of *{name}* requested by <@{OPERATOR}>", since=sent)
    await e2e.double.wait_for(lambda: "Syncing" in status.text)
    e2e.clock.advance(61)
    await e2e.double.wait_for(lambda: "failed" in status.text)
    assert labels(status) == ["Show", "Sync again"]

    first, _ = await asyncio.gather(e2e.click(status, "Sync again"), e2e.click(status, "Sync again"))

    await e2e.wait_for_text("I'm not doing it twice", since=first)
    await e2e.double.wait_for(lambda: e2e.sim_count(SYNC) == 2)
    await e2e.settle()
    refusals = [m for m in e2e.since(first) if "I'm not doing it twice" in m.text]
    assert len(refusals) == 1 and refusals[0].ephemeral
    assert e2e.sim_count(SYNC) == 2
