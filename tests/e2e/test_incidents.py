"""A failure alert as an incident, through the Slack double: Acknowledge and Snooze pressed by people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.blocks import ids
from bot.slack_double.store import Message
from bot.storage.tables import outbox
from tests.e2e.harness import CHANNEL, E2E, OPERATOR, VIEWER, Sent, all_text
from tests.ops.support import ops_bot, post_webhook, webhook_body


async def _alert(e2e: E2E) -> tuple[Message, str, Sent]:
    cid, name = e2e.connection_named()
    watched = await e2e.command("watch events:failures,recoveries")
    await e2e.wait_for_text("Watching", since=watched)
    assert (await post_webhook(e2e, webhook_body(cid, sync_id="inc-1"))).status_code == 200
    alert = await e2e.wait_for_message(
        lambda m: "failed" in m.text and m.thread_ts is None, since=watched, timeout=10
    )
    return alert, name, watched


async def _snooze(e2e: E2E, message: Message, choice: str, *, user: str) -> Sent:
    """Picks `choice` in the alert's Snooze select, as Slack sends it."""
    select = next(
        {**e, "block_id": b.get("block_id", "b")}
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "static_select"
    )
    option = next(o for o in select["options"] if o["value"].startswith(f"{choice}|"))
    response_url = e2e.double.new_response_url(channel=message.channel, user=user, message_ts=message.ts)
    request = e2e.inbound.block_action(
        user=user,
        channel=message.channel,
        message_ts=message.ts,
        message={"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks},
        action={**select, "selected_option": option},
        response_url=response_url,
        trigger_id=e2e.double.new_trigger_id(user=user),
    )
    return await e2e.send(request, response_url)


async def delivered(e2e: E2E) -> None:
    """Everything the bot owes Slack so far has reached the double (the outbox's deliverer is running):
    what a test reads next is what Slack shows, with nothing still on its way."""
    await e2e.settle()
    assert await e2e.bot.outbox_delivered(10.0), await e2e.bot.outbox.repo.pending()


async def test_acknowledge_by_a_viewer_changes_nothing_and_by_an_operator_edits_the_alert_naming_them() -> (
    None
):
    async with ops_bot() as e2e:
        alert, _, _ = await _alert(e2e)
        await delivered(e2e)
        edits = alert.updates
        refused = await e2e.click(alert, "Acknowledge", user=VIEWER)
        await e2e.wait_for_message(lambda m: "operator role" in all_text(m), since=refused, timeout=10)
        await delivered(e2e)  # the refusal is the press's last word: anything it owed is out by now
        assert alert.updates == edits and "Acknowledged" not in all_text(alert)

        await e2e.click(alert, "Acknowledge", user=OPERATOR)
        # within seconds: the edit is owed when the press is handled, and delivered at once
        await e2e.double.wait_for(lambda: "Acknowledged by" in all_text(alert) or None, timeout=10)
        assert f"Acknowledged by <@{OPERATOR}> <!date^" in all_text(alert)
        assert "Acknowledge" not in [b.get("text", {}).get("text") for b in _elements(alert)]
        await delivered(e2e)
        entries = await e2e.bot.governance.audit_repo.query(user=OPERATOR, limit=5)
        assert ("acknowledge", "succeeded") in [(e.action, e.status) for e in entries]


def _reminders(e2e: E2E, alert: Message) -> list[Message]:
    return [m for m in e2e.double.messages(CHANNEL) if m.thread_ts == alert.ts and "still failing" in m.text]


async def test_an_unacknowledged_failure_is_reminded_once_a_period_and_never_after_acknowledge() -> None:
    """HVR_ALERT_RENOTIFY=1m on the bot's driven clock: the incidents' tick (run here as the loop runs
    it, as often as the test likes) reminds once per period, however many ticks fall in it."""
    async with ops_bot(simulated_now=True, hvr_alert_renotify="1m") as e2e:
        incidents = e2e.bot.channels.incidents
        assert incidents.renotify == timedelta(minutes=1)
        alert, name, _ = await _alert(e2e)
        await delivered(e2e)

        async def ticks_after(seconds: float) -> list[Message]:
            e2e.clock.advance(seconds)
            for _ in range(3):  # three ticks in the same period, as replicas or a short interval make
                await incidents.tick()
            await delivered(e2e)
            return _reminders(e2e, alert)

        assert await ticks_after(59) == []  # not a minute yet
        (first,) = await ticks_after(2)
        assert f"*{name}* is still failing, 1m 1s after this alert" in all_text(first)
        assert len(await ticks_after(30)) == 1  # the same period
        assert len(await ticks_after(30)) == 2  # the next one
        assert all(
            c.params.get("reply_broadcast") in (True, "true", "True")
            for c in e2e.double.calls_to("chat.postMessage")
            if c.params.get("thread_ts") == alert.ts and "still failing" in str(c.params.get("text"))
        )  # sent to the channel too

        await e2e.click(alert, "Acknowledge", user=OPERATOR)
        await e2e.double.wait_for(lambda: "Acknowledged by" in all_text(alert) or None, timeout=10)
        assert len(await ticks_after(60)) == 2
        assert len(await ticks_after(600)) == 2  # none after acknowledge, however long it fails


async def test_a_snoozed_pipeline_failing_again_posts_nothing_in_the_channel_until_the_snooze_ends() -> None:
    async with ops_bot(simulated_now=True) as e2e:
        alert, name, _ = await _alert(e2e)
        await _snooze(e2e, alert, "1h", user=OPERATOR)
        await e2e.wait_for_message(lambda m: "snoozed" in m.text and m.thread_ts == alert.ts)
        await delivered(e2e)
        cid = next(e["value"] for e in _elements(alert) if e.get("action_id", "").startswith(ids.SHOW))
        before = len(_posted(e2e))
        owed_before = await _outbox_rows(e2e)
        # answered once the failure was decided on (held, counted): a post, sent or not yet, would be a new
        # outbox row, now or later
        assert (await post_webhook(e2e, webhook_body(cid, sync_id="inc-2"))).status_code == 200
        assert await _outbox_rows(e2e) == owed_before
        await delivered(e2e)
        assert len(_posted(e2e)) == before
        listed = await e2e.command("watch list", user=VIEWER)
        shown = await e2e.wait_for_message(lambda m: "Snoozed here" in all_text(m), since=listed)
        assert "1 held" in all_text(shown)

        incidents = e2e.bot.channels.incidents
        e2e.clock.advance(59 * 60)
        await incidents.tick()
        await delivered(e2e)
        assert len(_posted(e2e)) == before  # still snoozed
        e2e.clock.advance(61)
        await incidents.tick()
        summary = await e2e.wait_for_message(
            lambda m: "The snooze ended" in all_text(m) and m.thread_ts == alert.ts
        )
        assert f"while *{name}* was snoozed here, 1 failure alert was held" in all_text(summary)
        await delivered(e2e)
        assert "Snoozed" not in all_text(alert) and "snoozed until" not in all_text(alert).lower()


def _posted(e2e: E2E) -> list[Message]:
    """What the channel shows everyone (not the private answers)."""
    return [m for m in e2e.double.messages(CHANNEL) if not m.ephemeral]


async def _outbox_rows(e2e: E2E) -> int:
    """Every message the bot has owed the channel so far, sent or not."""
    async with e2e.bot.database.read() as connection:
        return len(
            (await connection.execute(select(outbox.c.id).where(outbox.c.channel_id == CHANNEL))).all()
        )


def _elements(message: Message) -> list[dict[str, Any]]:
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
