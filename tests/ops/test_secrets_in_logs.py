"""No secret reaches a log line or a Slack message, even when calls fail and tracebacks are logged."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.config import FivetranAccount, Settings
from bot.logs import (
    JsonFormatter,
    RedactingFormatter,
    configure_logging,
    redact,
    register_secret,
    register_settings_secrets,
)
from tests.e2e.harness import E2E, labels
from tests.ops.support import ops_bot, post_webhook, webhook_body

BOT_TOKEN = "xoxb-OPSBOTTOKEN-4711-a9f3"
SIGNING = "SIGNINGSECRET4711c0ffee"
APP_TOKEN = "xapp-OPSAPPTOKEN-4711-77"
API_KEY = "APIKEY4711deadbeef"
API_SECRET = "APISECRET4711f00dcafe"
WEBHOOK = "WEBHOOKSECRET4711feed"
DB_PASSWORD = "DBPASSWORD4711beef"
BASIC = base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()
SECRETS = (BOT_TOKEN, SIGNING, APP_TOKEN, API_KEY, API_SECRET, WEBHOOK, DB_PASSWORD, BASIC)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, in the JSON format `serve` uses off a terminal (and restores after)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(logging.DEBUG, stream=stream, json_lines=True)
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _posted(e2e: E2E) -> str:
    calls = [{"method": c.method, "params": c.params} for c in e2e.double.calls]
    messages = [{"text": m.text, "blocks": m.blocks} for m in e2e.double.all_messages()]
    return json.dumps([calls, messages], default=str)


async def test_failing_fivetran_and_slack_calls_log_no_secret(
    postgres_url: str, captured: io.StringIO
) -> None:
    with_password = make_url(postgres_url).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    async with ops_bot(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING,
        slack_app_token=APP_TOKEN,
        api_key=API_KEY,
        api_secret=API_SECRET,
        webhook_secret=WEBHOOK,
        database_url=with_password,
    ) as e2e:
        # A bug deep in a library that quotes the request it was sending, credentials and all.
        e2e.tamper.crash_next(
            "GET",
            r"^/v1/connections$",
            RuntimeError(
                f"failed sending Authorization: Basic {BASIC} for {API_KEY}:{API_SECRET} {DB_PASSWORD}"
            ),
        )
        crashed = await e2e.command("list")
        await e2e.wait_for_text("went wrong", since=crashed)
        # Fivetran failing for good: retried, then explained to the user.
        e2e.sim.faults.script(method="GET", path_regex=r"^/v1/connections$", status=500, times=10)
        failed = await e2e.command("list status:failing")
        await e2e.wait_for_message(lambda m: "Fivetran" in m.text, since=failed)
        await e2e.settle()
        e2e.sim.faults.clear()
        # Slack failing: the status message of a sync cannot be posted.
        cid, name = e2e.connection_named("healthy")
        e2e.sim.script_sync_outcome(cid, "success", duration_s=60)
        shown = await e2e.command(f"show {name}")
        show = await e2e.wait_for_message(lambda m: "Sync" in labels(m), since=shown)
        e2e.double.fail_next("chat.postMessage", error="invalid_auth", times=3)
        await e2e.click(show, "Sync")
        await e2e.settle()
        # The sync ends on the simulated clock, so its follow does too (and logs what it logs) instead of
        # polling until the drain gave up.
        e2e.clock.advance(61)
        assert await e2e.bot.background.drain(5.0), "the followed sync was not seen to its end"
        # A webhook signed with the wrong secret, and one with the right one.
        await post_webhook(e2e, webhook_body("nope", sync_id="x"), secret="wrong")
        await post_webhook(e2e, webhook_body("nope", sync_id="y"), secret=WEBHOOK)
        assert await e2e.bot.background.drain(5.0)
        posted = _posted(e2e)
    logged = captured.getvalue()

    assert "went wrong" in posted and "Traceback" in logged  # the failures did happen, and were logged
    assert "[redacted]" in logged
    for secret in SECRETS:
        assert secret not in logged, f"a secret reached the log: {secret[:6]}…"
        assert secret not in posted, f"a secret reached Slack: {secret[:6]}…"


def test_the_text_formatter_redacts_a_registered_secret_inside_a_traceback() -> None:
    register_secret("TRACEBACKSECRET4711")
    logger = logging.getLogger("tests.ops.redaction")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(message)s"))
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("connect failed with password=hunter2 and TRACEBACKSECRET4711")
        except ValueError:
            logger.exception("while connecting with headers %r", {"Authorization": "Bearer abc.def"})
    finally:
        logger.removeHandler(handler)

    text = stream.getvalue()
    assert "Traceback" in text
    assert "TRACEBACKSECRET4711" not in text and "hunter2" not in text and "abc.def" not in text


def test_a_secret_with_quotes_is_redacted_inside_json_too() -> None:
    register_secret('quo"te\\secret4711')
    record = logging.LogRecord("x", logging.INFO, __file__, 1, 'value is quo"te\\secret4711', None, None)

    line = JsonFormatter().format(record)

    assert "secret4711" not in line and json.loads(line)["message"] == "value is [redacted]"
    assert redact("xoxb-1-2-abc and xapp-9-zz") == "[redacted] and [redacted]"


def test_every_named_accounts_secrets_are_redacted() -> None:
    def account(name: str) -> FivetranAccount:
        return FivetranAccount(
            name=name,
            api_key=SecretStr(f"KEY4711{name}"),
            api_secret=SecretStr(f"SECRET4711{name}"),
            webhook_secret=SecretStr(f"HOOK4711{name}"),
        )

    register_settings_secrets(
        Settings(_env_file=None, fivetran_accounts=[account("prod"), account("staging")])
    )

    for name in ("prod", "staging"):
        basic = base64.b64encode(f"KEY4711{name}:SECRET4711{name}".encode()).decode()
        text = f"key KEY4711{name} secret SECRET4711{name} hook HOOK4711{name} header {basic}"
        assert redact(text) == "key [redacted] secret [redacted] hook [redacted] header [redacted]"


HUB_PASSWORD = "HUBPASSWORD4711s3cret"


async def test_a_hubs_password_and_tokens_reach_no_log_and_no_message(captured: io.StringIO) -> None:
    """Login, a renewal after a 401, a refused refresh token (logged in again), and the hub relaying the
    password and a token in a job's last error and in a refusal: none of them is logged or posted."""
    from tests.e2e.test_hubs import bot_on, hub_world

    async with hub_world(password=HUB_PASSWORD) as world:
        register_settings_secrets(world.settings)  # as `serve` does at start-up
        refresh_tokens: set[str] = set()
        async with bot_on(world) as e2e, httpx.AsyncClient(base_url=world.url) as sim:
            sent = await e2e.command("list")
            await e2e.wait_for_text("connectors", since=sent)
            refresh_tokens |= world.hub.refresh_tokens
            token = next(iter(world.hub.tokens))
            echo = f"F_JD0A2E: login demo/{HUB_PASSWORD} refused; Authorization: Bearer {token}"
            assert (
                await sim.post("/_sim/fail", json={"job": "orders-integ-dwh", "error": echo})
            ).status_code == 204
            assert (await sim.post("/_sim/expire_tokens", json={})).status_code == 204

            sent = await e2e.command("show east:orders")  # a 401, then the refresh token renews
            await e2e.wait_for_text("orders:", since=sent)
            refresh_tokens |= world.hub.refresh_tokens
            world.hub.refresh_tokens.clear()  # the hub forgets them: the next renewal is refused
            assert (await sim.post("/_sim/expire_tokens", json={})).status_code == 204
            refuse = {
                "channel": "orders",
                "status": 400,
                "error": f"F_JR0302E: password={HUB_PASSWORD} {echo}",
            }
            assert (await sim.post("/_sim/refuse_event", json=refuse)).status_code == 204

            sent = await e2e.command("compare east:orders")  # 401, refresh refused, a password login
            await e2e.wait_for_text("did not accept", since=sent)
            await e2e.settle()
            refresh_tokens |= world.hub.refresh_tokens
            posted = _posted(e2e)
        access_tokens = set(world.hub.tokens)
    logged = captured.getvalue()

    assert world.hub.stats["/auth/v1/password"] == 2 and world.hub.stats["/auth/v1/refresh"] == 2
    assert "[redacted]" in posted  # the hub's echo was shown, redacted
    for secret in (HUB_PASSWORD, *access_tokens, *refresh_tokens):
        assert secret not in logged, f"a hub secret reached the log: {secret[:6]}…"
        assert secret not in posted, f"a hub secret reached Slack: {secret[:6]}…"
