"""A run through the failures of this suite leaves no secret in the logs (as captured, and as the JSON
formatter writes them), in what was sent to Slack, or in /metrics."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest

from bot.logs import JsonFormatter, redact
from bot.storage.audit import AuditRepo
from bot.storage.db import Database
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


AUDIT_CHANNEL = "CAUDIT0001"


async def test_a_fivetran_error_echoing_the_authorization_header_is_redacted_in_reply_audit_and_mirror() -> (
    None
):
    credentials = [
        FIVETRAN_KEY,
        FIVETRAN_SECRET,
        base64.b64encode(f"{FIVETRAN_KEY}:{FIVETRAN_SECRET}".encode()).decode(),
    ]
    async with resilient_bot(audit_channel=AUDIT_CHANNEL) as rb:
        e2e = rb.e2e
        connection_id, name = e2e.connection_named("healthy")
        e2e.tamper.echo_auth_next("POST", r"/sync$")
        await e2e.command(f"sync {name}")
        await e2e.settle()
        database = Database(rb.database_url)
        [entry] = await AuditRepo(database).query(limit=5)
        await database.dispose()
        reply = [repr((m.text, m.blocks)) for m in e2e.double.all_messages() if m.channel != AUDIT_CHANNEL]
        mirror = [repr((m.text, m.blocks)) for m in e2e.double.all_messages() if m.channel == AUDIT_CHANNEL]

    assert entry.status == "failed" and entry.connectors == (connection_id,)
    assert "Rejected request with Authorization: Basic [redacted]" in (entry.message or "")
    assert reply and mirror
    for secret in credentials:
        assert secret not in repr(entry), f"the audit row has {secret[:8]}…"
        assert all(secret not in text for text in reply), f"the reply has {secret[:8]}…"
        assert all(secret not in text for text in mirror), f"the mirror post has {secret[:8]}…"


def test_a_bare_basic_or_bearer_credential_and_slack_tokens_are_redacted_but_prose_is_not() -> None:
    text = "got Basic ZGVtbzpkZW1v and bearer abc.DEF-123_xyz, xoxb-1-2-abc xapp-1-A-b xoxp-9-z"
    assert redact(text) == "got Basic [redacted] and bearer [redacted], [redacted] [redacted] [redacted]"
    assert redact("See Basic Information, basic setup and a Bearer token") == (
        "See Basic Information, basic setup and a Bearer token"
    )
