"""Slack down while an alert is owed: the webhook is answered at once, and the alert is posted exactly once
when Slack is back (DESIGN section 9). This was the suite's "alert lost after a 200" gap: the alert used to
be posted after the answer and only logged when Slack refused it."""

from __future__ import annotations

import asyncio
import time

import httpx

from bot.services.alerts.webhook_events import SIGNATURE_HEADER, sign
from bot.slack_double.store import Message
from tests.e2e.harness import ADMIN, CHANNEL, all_text
from tests.ops.support import webhook_body
from tests.resilience.harness import WEBHOOK_SECRET, Resilient, resilient_bot


async def post_webhook(rb: Resilient, body: bytes) -> httpx.Response:
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(WEBHOOK_SECRET, body)}
    return await rb.e2e.http.post("/fivetran/webhook", content=body, headers=headers)


def alerts_for(rb: Resilient, name: str) -> list[Message]:
    return [
        m
        for m in rb.e2e.double.messages(CHANNEL)
        if not m.ephemeral and "failed" in m.text and name in all_text(m)
    ]


async def test_an_alert_answered_200_while_slack_answers_500_is_posted_once_when_slack_is_back() -> None:
    async with resilient_bot(webhook_secret=WEBHOOK_SECRET, driven_now=True) as rb:
        e2e = rb.e2e
        cid, name = e2e.connection_named("healthy")
        watched = await e2e.command("watch", user=ADMIN)
        await e2e.wait_for_text("Watching", since=watched)
        await e2e.settle()
        start = rb.slack_time()
        e2e.double.fail_until("chat.postMessage", start + 60, status=500)
        before = len(e2e.double.calls_to("chat.postMessage"))

        began = time.monotonic()
        answered = await post_webhook(rb, webhook_body(cid, sync_id="outage-1"))
        took = time.monotonic() - began

        assert answered.status_code == 200 and took < 2.0
        # the deliverer tries during the outage and is refused
        await e2e.double.wait_for(lambda: len(e2e.double.calls_to("chat.postMessage")) > before or None)
        assert alerts_for(rb, name) == []
        for _ in range(6):  # a driven minute of outage, ten seconds at a time
            rb.slack_time.advance(10)
            await asyncio.sleep(0.05)
        assert alerts_for(rb, name) == []
        recovered_at = rb.slack_time()
        for _ in range(12):  # Slack is back: within a minute (the longest backoff) it is posted
            rb.slack_time.advance(5)
            await asyncio.sleep(0.05)
            if alerts_for(rb, name):
                break
        (alert,) = await e2e.double.wait_for(lambda: alerts_for(rb, name) or None)
        assert rb.slack_time() - recovered_at <= 60
        assert "delayed 1m" in all_text(alert) and "Slack was unavailable" in all_text(alert)
        rb.slack_time.advance(120)
        await e2e.settle()
        assert len(alerts_for(rb, name)) == 1
        assert await e2e.bot.outbox.repo.pending() == []
