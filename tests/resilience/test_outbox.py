"""Slack down while an alert is owed: the webhook is answered at once, and the alert is posted exactly once
when Slack is back (DESIGN section 9). This was the suite's "alert lost after a 200" gap: the alert used to
be posted after the answer and only logged when Slack refused it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import httpx

from bot.app import build_bot
from bot.blocks.message import Message as BlockMessage
from bot.services.alerts.webhook_events import SIGNATURE_HEADER, sign
from bot.services.runtime.deliverer import Deliverer
from bot.services.runtime.posting import MessageRef
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
        watched = await e2e.command("watch events:failures,recoveries", user=ADMIN)
        await e2e.wait_for_text("Watching", since=watched)
        await e2e.settle()
        start = rb.slack_time()
        e2e.double.fail_until("chat.postMessage", start + 60, status=500)
        before = len(e2e.double.calls_to("chat.postMessage"))

        # Slack's outage lasts until the driven clock moves, which it does not during the request: a
        # route that waited for Slack would never answer. The limit turns that hang into a failure.
        async with asyncio.timeout(30):
            answered = await post_webhook(rb, webhook_body(cid, sync_id="outage-1"))

        assert answered.status_code == 200
        # the deliverer tries during the outage and is refused
        await e2e.double.wait_for(lambda: len(e2e.double.calls_to("chat.postMessage")) > before or None)
        assert alerts_for(rb, name) == []
        for _ in range(5):  # most of a driven minute of outage, ten seconds at a time
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
        assert rb.slack_time() - recovered_at <= 75  # the longest backoff, and the steps of this loop
        assert "delayed 1m" in all_text(alert) and "Slack was unavailable" in all_text(alert)
        rb.slack_time.advance(120)
        await e2e.settle()
        assert len(alerts_for(rb, name)) == 1
        assert await e2e.bot.outbox.repo.pending() == []


async def outage_then_recovery(rb: Resilient, name: str) -> Message:
    """A driven minute of Slack answering 500, then Slack back: the one alert posted."""
    for _ in range(5):
        rb.slack_time.advance(10)
        await asyncio.sleep(0.05)
    assert alerts_for(rb, name) == []
    for _ in range(30):
        rb.slack_time.advance(5)
        await asyncio.sleep(0.05)
        if alerts_for(rb, name):
            break
    (alert,) = await rb.e2e.double.wait_for(lambda: alerts_for(rb, name) or None)
    return alert


async def test_two_replicas_on_postgresql_post_the_alert_once_after_the_outage(postgres_url: str) -> None:
    async with resilient_bot(webhook_secret=WEBHOOK_SECRET, driven_now=True, database_url=postgres_url) as rb:
        e2e = rb.e2e
        other = build_bot(
            e2e.bot.settings, now=lambda: datetime.fromtimestamp(rb.slack_time(), UTC), sleep=rb.sleeps
        )
        await other.start(jobs=False)  # its deliverer runs: two replicas race for every row
        try:
            cid, name = e2e.connection_named("healthy")
            watched = await e2e.command("watch events:failures,recoveries", user=ADMIN)
            await e2e.wait_for_text("Watching", since=watched)
            await e2e.settle()
            e2e.double.fail_until("chat.postMessage", rb.slack_time() + 60, status=500)

            answered = await post_webhook(rb, webhook_body(cid, sync_id="pg-1"))

            assert answered.status_code == 200
            await outage_then_recovery(rb, name)
            rb.slack_time.advance(120)
            await e2e.settle()
            assert len(alerts_for(rb, name)) == 1
        finally:
            await other.aclose()


class Hangs:
    """A Slack that never answers: the replica holding the row is then killed mid-delivery."""

    def __init__(self) -> None:
        self.called = asyncio.Event()

    async def post(self, channel: str, message: BlockMessage, **_: object) -> MessageRef:
        self.called.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def update(self, channel: str, ts: str, message: BlockMessage) -> None:
        await self.post(channel, message)


async def test_a_replica_killed_while_delivering_leaves_the_alert_to_another_after_the_lease(
    postgres_url: str,
) -> None:
    async with resilient_bot(webhook_secret=WEBHOOK_SECRET, driven_now=True, database_url=postgres_url) as rb:
        e2e = rb.e2e
        live = e2e.bot.outbox.deliverer
        cid, name = e2e.connection_named("healthy")
        watched = await e2e.command("watch events:failures,recoveries", user=ADMIN)
        await e2e.wait_for_text("Watching", since=watched)
        await e2e.settle()
        await live.stop()  # so that the doomed replica is the one that takes the row
        e2e.double.fail_until("chat.postMessage", rb.slack_time() + 60, status=500)
        answered = await post_webhook(rb, webhook_body(cid, sync_id="kill-1"))
        assert answered.status_code == 200

        hangs = Hangs()
        doomed = Deliverer(
            e2e.bot.outbox.repo,
            hangs,
            holder="doomed",
            now=lambda: datetime.fromtimestamp(rb.slack_time(), UTC),
        )
        killed = asyncio.ensure_future(doomed.run_once())
        await asyncio.wait_for(hangs.called.wait(), 5)
        killed.cancel()  # kill -9: no release, the row stays held under its lease
        with contextlib.suppress(asyncio.CancelledError):
            await killed
        live.start()

        alert = await outage_then_recovery(rb, name)

        assert alert is not None
        rb.slack_time.advance(120)
        await e2e.settle()
        assert len(alerts_for(rb, name)) == 1
