"""`/metrics` counts what happened, in the bot's own registry, in the Prometheus text format."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.metrics import turn_name
from tests.e2e.harness import CHANNEL, VIEWER, labels
from tests.ops.support import ops_bot, post_webhook, value, webhook_body


async def test_metrics_count_commands_clicks_fivetran_calls_webhooks_digests_and_alerts() -> None:
    async with ops_bot() as e2e:
        # A 429 first: the list waits (no wall clock here) and retries.
        e2e.sim.faults.script(method="GET", path_regex=r"^/v1/connections$", status=429, times=1)
        listed = await e2e.command("list")
        await e2e.wait_for_text("connector", since=listed)
        connection_id, name = e2e.connection_named("healthy")
        e2e.sim.script_sync_outcome(connection_id, "success", duration_s=60)
        synced = await e2e.command(f"sync {name}")
        await e2e.wait_for_text("Sync", since=synced)
        shown = await e2e.command(f"show {name}", user=VIEWER)
        show = await e2e.wait_for_message(lambda m: "Sync" in labels(m), since=shown)
        refused = await e2e.click(show, "Sync", user=VIEWER)
        await e2e.wait_for_text("operator", since=refused)
        watched = await e2e.command("watch events:failures,recoveries")
        await e2e.wait_for_text("Watching", since=watched)
        accepted = await post_webhook(e2e, webhook_body(connection_id, sync_id="ops-1"))
        forged = await post_webhook(
            e2e, webhook_body(connection_id, sync_id="ops-2"), secret="not-the-secret"
        )
        added = await e2e.command("digest add every 5m")
        await e2e.wait_for_text("igest", since=added)
        await e2e.settle()
        [(digest, _)] = await e2e.bot.digests.list(CHANNEL)
        await e2e.bot.digests.fire(digest.id, datetime(2030, 1, 1, 9, 0, tzinfo=UTC))
        e2e.clock.advance(61)  # the sync ends, so its follow does: the drain need not give up on it
        assert await e2e.bot.background.drain(5.0), "the followed sync was not seen to its end"

        text = (await e2e.http.get("/metrics")).text

    assert (accepted.status_code, forged.status_code) == (200, 401)
    assert value(text, "hvr_commands_total", name="list", outcome="ok") == 1
    assert value(text, "hvr_commands_total", name="sync", outcome="ok") == 1
    assert value(text, "hvr_commands_total", name="show", outcome="ok") == 1
    assert value(text, "hvr_actions_total", name="hvr.sync", outcome="refused") == 1
    assert value(text, "hvr_handler_seconds_count", kind="command") == 5
    assert value(text, "hvr_handler_seconds_count", kind="button") == 1
    assert value(text, "hvr_fivetran_requests_total", operation="list_connections", status="429") == 1
    assert value(text, "hvr_fivetran_requests_total", operation="list_connections", status="200") >= 1
    assert value(text, "hvr_fivetran_requests_total", operation="sync", status="200") == 1
    assert value(text, "hvr_fivetran_retries_total", operation="list_connections") == 1
    assert value(text, "hvr_fivetran_rate_limit_waits_total") == 1
    assert value(text, "hvr_fivetran_rate_limit_remaining") >= 0  # the simulator sends the header
    assert value(text, "hvr_webhook_deliveries_total", outcome="accepted") == 1
    assert value(text, "hvr_webhook_deliveries_total", outcome="refused-bad-signature") == 1
    assert value(text, "hvr_alerts_total", outcome="done") == 1
    assert value(text, "hvr_alert_channel_deliveries_total", outcome="ok") == 1
    assert value(text, "hvr_digests_total", outcome="posted") == 1


async def test_two_bots_in_one_process_count_separately() -> None:
    async with ops_bot() as first, ops_bot() as second:
        sent = await first.command("help")
        await first.wait_for_text("", since=sent)
        await first.settle()

        one = (await first.http.get("/metrics")).text
        other = (await second.http.get("/metrics")).text

    assert value(one, "hvr_commands_total", name="help", outcome="ok") == 1
    assert value(other, "hvr_commands_total", name="help", outcome="ok") == 0


def test_a_second_web_app_for_the_same_bot_reuses_its_metrics() -> None:
    from pydantic import SecretStr

    from bot.app import build_bot
    from bot.config import Settings
    from bot.web.app import build_web_app

    settings = Settings(
        _env_file=None,
        slack_bot_token=SecretStr("xoxb-x"),
        slack_signing_secret=SecretStr("s"),
        database_url="sqlite+aiosqlite:///:memory:",
    )
    bot = build_bot(settings)

    first, second = build_web_app(bot), build_web_app(bot)

    assert first.state.metrics is second.state.metrics is bot.metrics


def test_label_values_come_from_a_closed_set() -> None:
    assert turn_name("command", "sync") == "sync"
    assert turn_name("command", "lsit") == "other"
    assert turn_name("command", "help") == "help"
    assert turn_name("button", "hvr.sync") == "hvr.sync"
    assert turn_name("button", "something-else") == "other"
