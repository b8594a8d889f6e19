"""Two Fivetran accounts with the same connection names, end to end: Slack double → the bot over HTTP →
two simulators, each behind its own credentials (issue 17's acceptance)."""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import build_bot
from bot.simulator import build_app
from bot.slack_double import SlackDouble
from tests.e2e.harness import (
    ADMIN,
    BOT_TOKEN,
    E2E,
    FAST_FOLLOW,
    Tamper,
    all_text,
    bot_settings,
    labels,
    serving,
)
from tests.fakes.accounts import SimulatedAccounts, simulated_accounts
from tests.ops.support import webhook_body

SYNC = "POST /v1/connections/{connection_id}/sync"
LIST = "GET /v1/connections"


@contextlib.asynccontextmanager
async def two_accounts() -> AsyncIterator[tuple[E2E, SimulatedAccounts]]:
    async with contextlib.AsyncExitStack() as stack:
        accounts = await stack.enter_async_context(
            simulated_accounts("prod", "staging", connections=12, seed=7)
        )
        double = await stack.enter_async_context(SlackDouble(bot_token=BOT_TOKEN))
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="hvr-e2e-sources-"))
        signing_secret = secrets.token_hex(16)
        settings = accounts.settings(**bot_settings(double, signing_secret, scratch))
        bot = build_bot(settings, fivetran_http=accounts.http, follow_policy=FAST_FOLLOW)
        prod = accounts.sims["prod"]
        async with serving(
            bot,
            double=double,
            sim=prod,
            clock=prod.clock,  # type: ignore[arg-type]
            signing_secret=signing_secret,
            tamper=Tamper(build_app(prod)),
        ) as e2e:
            yield e2e, accounts


def _shared_healthy_name(accounts: SimulatedAccounts) -> tuple[str, str]:
    """(id, name) of a healthy connection whose name is unique within each account (so in both)."""
    prod = accounts.sims["prod"]
    names = [c.schema for c in prod.connections.values()]
    for conn in prod.connections.values():
        if conn.generated_health == "healthy" and names.count(conn.schema) == 1 and conn.run is None:
            return conn.id, conn.schema
    raise LookupError("no healthy connection with a unique name")


@pytest.fixture
async def both() -> AsyncIterator[tuple[E2E, SimulatedAccounts]]:
    async with two_accounts() as running:
        yield running


async def test_list_shows_both_accounts_with_their_source_on_every_row(
    both: tuple[E2E, SimulatedAccounts],
) -> None:
    e2e, _ = both
    sent = await e2e.command("list")
    listed = await e2e.wait_for_text("connectors", since=sent)
    text = all_text(listed)
    assert "*prod* · 12 connectors" in text and "*staging* · 12 connectors" in text
    assert "prod:" in text and "staging:" in text


async def test_show_of_a_name_in_both_asks_which_with_one_button_per_source(
    both: tuple[E2E, SimulatedAccounts],
) -> None:
    e2e, accounts = both
    _, name = _shared_healthy_name(accounts)
    sent = await e2e.command(f"show {name}")
    asked = await e2e.wait_for_text("is in several sources", since=sent)
    shown = [label for label in labels(asked) if label.endswith(f"/{name}")]
    assert len(shown) == 2 and {label.split(":")[0] for label in shown} == {"prod", "staging"}


async def test_show_staging_name_and_its_sync_button_sync_staging_once_on_staging_only(
    both: tuple[E2E, SimulatedAccounts],
) -> None:
    e2e, accounts = both
    cid, name = _shared_healthy_name(accounts)
    prod, staging = accounts.sims["prod"], accounts.sims["staging"]
    sent = await e2e.command(f"show staging:{name}")
    view = await e2e.wait_for_message(lambda m: "Sync" in labels(m), since=sent)
    assert f"staging:{cid}" in all_text(view)
    click = await e2e.click(view, "Sync")
    await e2e.wait_for_text("Syncing", since=click)
    await e2e.settle()
    assert staging.requests_by_operation[SYNC] == 1
    assert prod.requests_by_operation[SYNC] == 0
    # staging's requests carried staging's credentials, and no other account's
    assert accounts.authorizations("staging") == {accounts.basic("staging")}
    assert accounts.authorizations("prod") <= {accounts.basic("prod")}


async def _post(e2e: E2E, path: str, body: bytes, secret: str) -> httpx.Response:
    from bot.services.alerts.webhook_events import SIGNATURE_HEADER, sign

    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}
    return await e2e.http.post(path, content=body, headers=headers)


async def test_a_failure_webhook_to_staging_signed_by_staging_alerts_and_other_secrets_or_sources_do_not(
    both: tuple[E2E, SimulatedAccounts],
) -> None:
    e2e, accounts = both
    cid, name = _shared_healthy_name(accounts)
    watched = await e2e.command("watch events:failures,recoveries", user=ADMIN)
    await e2e.wait_for_text("Watching", since=watched)
    body = webhook_body(cid, sync_id="stg-1")
    assert (await _post(e2e, "/fivetran/webhook/staging", body, "prod-webhook-secret")).status_code == 401
    assert (await _post(e2e, "/fivetran/webhook/nowhere", body, "staging-webhook-secret")).status_code == 404
    answered = await _post(e2e, "/fivetran/webhook/staging", body, "staging-webhook-secret")
    assert answered.status_code == 200
    alert = await e2e.wait_for_text("failed", since=watched)
    text = all_text(alert)
    assert name in text and "staging:" in text
    await e2e.settle()
    assert sum(1 for m in e2e.double.all_messages() if name in all_text(m) and "failed" in m.text) == 1


async def test_one_account_answering_500_leaves_the_other_listed_and_names_the_one_that_failed(
    both: tuple[E2E, SimulatedAccounts],
) -> None:
    e2e, accounts = both
    accounts.sims["staging"].faults.script(
        method="GET", path_regex=r"^/v1/connections$", status=500, times=10
    )
    sent = await e2e.command("list")
    listed = await e2e.wait_for_text("connectors", since=sent)
    text = all_text(listed)
    assert "*prod* · 12 connectors" in text
    assert "Could not reach *staging*" in text
    assert "staging:" not in text.replace("Could not reach *staging*", "")
