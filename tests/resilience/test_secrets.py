"""A run through the failures of this suite leaves no secret in the logs (as captured, and as the JSON
formatter writes them), in what was sent to Slack, or in /metrics."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest

from bot.logs import JsonFormatter
from tests.e2e.harness import BOT_TOKEN
from tests.resilience.harness import FIVETRAN_KEY, FIVETRAN_SECRET, WEBHOOK_SECRET, resilient_bot

CONNECTIONS = r"^/v1/connections$"


async def test_a_run_full_of_failures_leaves_no_secret_in_logs_messages_or_metrics(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with resilient_bot(webhook_secret=WEBHOOK_SECRET) as rb:
            e2e = rb.e2e
            secrets = [
                FIVETRAN_SECRET,
                base64.b64encode(f"{FIVETRAN_KEY}:{FIVETRAN_SECRET}".encode()).decode(),
                BOT_TOKEN,
                rb.signing_secret,
                WEBHOOK_SECRET,
            ]
            _, name = e2e.connection_named("healthy")
            e2e.sim.faults.script(method="GET", path_regex=CONNECTIONS, status=429, times=2)
            e2e.sim.faults.script(method="GET", path_regex=CONNECTIONS, status=503, times=9)
            for _ in range(2):
                await e2e.command("list")
            e2e.sim.faults.script(method="GET", path_regex=CONNECTIONS, kind="malformed_json")
            await e2e.command("list")
            e2e.tamper.crash_next("GET", CONNECTIONS, RuntimeError("nobody planned for this"))
            await e2e.command("list")
            e2e.tamper.crash_next("GET", CONNECTIONS, httpx.ConnectError("refused"))
            await e2e.command("groups")
            e2e.sim.faults.script(method="POST", kind="reset")
            await e2e.command(f"sync {name}")
            e2e.double.fail_next("chat.postEphemeral", status=500)
            e2e.double.fail_next("response_url", status=500)
            await e2e.command("help")
            await e2e.http.post("/slack/events", content=b"text=list", headers={"x-slack-signature": "v0=00"})
            await e2e.http.post(
                "/fivetran/webhook", content=b"{}", headers={"X-Fivetran-Signature-256": "00"}
            )
            await e2e.settle()
            metrics = (await e2e.http.get("/metrics")).text
            sent_to_slack = [repr(c.params) for c in e2e.double.calls] + [
                repr((m.text, m.blocks)) for m in e2e.double.all_messages()
            ]

    formatter = JsonFormatter()
    as_json = "\n".join(formatter.format(record) for record in caplog.records)
    raw = caplog.text  # unredacted, every logger at DEBUG
    bot_lines = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("bot") and r.levelno >= logging.INFO
    )
    assert len(caplog.records) > 10  # the failures above were logged
    for secret in secrets:
        assert secret not in as_json, f"JSON log has {secret[:8]}…"
        assert secret not in bot_lines, f"the bot logged {secret[:8]}…"
        assert all(secret not in text for text in sent_to_slack), f"Slack was sent {secret[:8]}…"
        assert secret not in metrics, f"/metrics has {secret[:8]}…"
    assert FIVETRAN_SECRET not in raw
