"""A digest added from Slack fires on a driven clock and arrives in the channel, once."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.harness import CHANNEL, E2E, VIEWER, all_text


async def test_a_digest_added_from_slack_fires_and_arrives_in_the_channel(e2e: E2E) -> None:
    sent = await e2e.command("digest add every 5m tz:Europe/Berlin")
    added = await e2e.wait_for_text("added", since=sent)
    assert not added.ephemeral, "the channel should see that a digest was set up"
    [(subscription, next_fire)] = await e2e.bot.digests.list(CHANNEL)
    assert next_fire is not None and subscription.id in added.text

    # The clock reaches the fire time: exactly one digest, in the channel, with the account's health.
    await e2e.bot.scheduler.sync_jobs()  # what its next poll of the subscriptions table does
    before = len(e2e.double.messages(CHANNEL))
    due = next_fire + timedelta(seconds=1)
    await e2e.bot.scheduler.fire_due(now=due)
    digest = await e2e.double.wait_for(
        lambda: next((m for m in e2e.double.messages(CHANNEL)[before:] if not m.ephemeral), None)
    )
    assert f"{len(e2e.sim.connections)} connectors" in all_text(digest)
    # Firing the same moment again (a second replica, a retry) posts nothing more.
    await e2e.bot.scheduler.fire_due(now=due)
    await e2e.settle()
    assert [m.ts for m in e2e.double.messages(CHANNEL)[before:]] == [digest.ts]


async def test_digest_list_shows_the_next_fire_and_a_viewer_cannot_add_one(e2e: E2E) -> None:
    await e2e.command("digest add weekdays 09:00 tz:Europe/Berlin")
    await e2e.settle()
    sent = await e2e.command("digest list", user=VIEWER)
    listing = await e2e.wait_for_text("digest in this channel", since=sent)
    assert listing.ephemeral
    assert "09:00" in all_text(listing) and "next" in all_text(listing).lower()
    refused = await e2e.command("digest add hourly", user=VIEWER)
    told = await e2e.wait_for_text("needs the operator role", since=refused)
    assert told.ephemeral
    assert len(await e2e.bot.digests.list(CHANNEL)) == 1
