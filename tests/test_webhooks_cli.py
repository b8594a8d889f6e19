"""`hvr-bot webhooks register|list|remove` against the simulator."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.simulator import ManualClock, Simulator, build_app
from bot.webhooks_cli import EVENTS, run_webhooks
from tests.fakes.accounts import SimulatedAccounts, simulated_accounts
from tests.simulator.aliases import watched

URL = "https://bot.example.com/fivetran/webhook"


@pytest.fixture
async def sim_http() -> AsyncIterator[tuple[Simulator, httpx.AsyncClient]]:
    sim = watched(Simulator(seed=3, connections=5, clock=ManualClock()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(sim))) as http:
        yield sim, http


def _settings(**extra: object) -> Settings:
    values: dict[str, object] = {
        "fivetran_api_key": "demo",
        "fivetran_api_secret": "demo",
        "fivetran_api_url": "http://simulator",
        "fivetran_webhook_secret": "hook-secret-value",
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


async def _run(
    http: httpx.AsyncClient, settings: Settings, *argv: str, source: str | None = None
) -> tuple[int, list[str]]:
    args = argparse.Namespace(webhooks_command=argv[0], source=source)
    if argv[0] == "register":
        args.url = argv[1]
    if argv[0] == "remove":
        args.id = argv[1]
    lines: list[str] = []
    code = await run_webhooks(args, settings, http=http, out=lines.append)
    return code, lines


async def test_register_creates_then_updates_the_same_account_webhook(
    sim_http: tuple[Simulator, httpx.AsyncClient],
) -> None:
    sim, http = sim_http
    code, lines = await _run(http, _settings(), "register", URL)
    assert code == 0 and lines[0].startswith("✓ Created account webhook")
    assert len(sim.webhooks.webhooks) == 1
    hook = next(iter(sim.webhooks.webhooks.values()))
    assert hook.secret == "hook-secret-value" and hook.events == list(EVENTS)
    code, lines = await _run(http, _settings(fivetran_webhook_secret="rotated-secret"), "register", URL)
    assert code == 0 and lines[0].startswith("✓ Updated account webhook")
    assert len(sim.webhooks.webhooks) == 1 and hook.secret == "rotated-secret"
    assert not any("secret" in line for line in lines)


async def test_list_and_remove(sim_http: tuple[Simulator, httpx.AsyncClient]) -> None:
    sim, http = sim_http
    await _run(http, _settings(), "register", URL)
    code, lines = await _run(http, _settings(), "list")
    hook_id = next(iter(sim.webhooks.webhooks))
    assert code == 0 and lines[0].startswith(hook_id) and URL in lines[0]
    code, lines = await _run(http, _settings(), "remove", hook_id)
    assert code == 0 and not sim.webhooks.webhooks
    code, lines = await _run(http, _settings(), "list")
    assert lines[0].startswith("No webhooks.")


async def test_plain_http_urls_are_refused_before_asking_fivetran(
    sim_http: tuple[Simulator, httpx.AsyncClient],
) -> None:
    sim, http = sim_http
    code, lines = await _run(http, _settings(), "register", "http://bot.example.com/fivetran/webhook")
    assert code == 1 and "must be https" in lines[0]
    assert sim.request_count == 0


async def test_register_needs_the_webhook_secret(sim_http: tuple[Simulator, httpx.AsyncClient]) -> None:
    _, http = sim_http
    code, lines = await _run(http, _settings(fivetran_webhook_secret=None), "register", URL)
    assert code == 1 and "FIVETRAN_WEBHOOK_SECRET is not set" in lines[0]


async def test_removing_an_unknown_webhook_says_so(sim_http: tuple[Simulator, httpx.AsyncClient]) -> None:
    _, http = sim_http
    code, lines = await _run(http, _settings(), "remove", "nope")
    assert code == 1 and lines[0].startswith("✗ Fivetran refused")


async def test_the_single_account_may_be_named_fivetran_and_no_other_name(
    sim_http: tuple[Simulator, httpx.AsyncClient],
) -> None:
    sim, http = sim_http
    code, lines = await _run(http, _settings(), "register", URL, source="fivetran")
    assert code == 0 and len(sim.webhooks.webhooks) == 1
    code, lines = await _run(http, _settings(), "list", source="prod")
    assert code == 1 and lines == ["✗ No Fivetran account is named 'prod': the configured one is fivetran"]


# --- several accounts (FIVETRAN_ACCOUNTS) ---------------------------------------------------------------

STAGING_URL = "https://bot.example.com/fivetran/webhook/staging"


@pytest.fixture
async def accounts() -> AsyncIterator[SimulatedAccounts]:
    async with simulated_accounts("prod", "staging") as two:
        yield two


async def test_register_uses_only_the_named_accounts_credentials_and_secret(
    accounts: SimulatedAccounts,
) -> None:
    code, lines = await _run(accounts.http, accounts.settings(), "register", STAGING_URL, source="staging")

    assert code == 0 and lines[0].startswith("✓ Created account webhook")
    [hook] = accounts.sims["staging"].webhooks.webhooks.values()
    assert hook.url == STAGING_URL and hook.secret == "staging-webhook-secret"
    assert not accounts.sims["prod"].webhooks.webhooks
    assert {seen.source for seen in accounts.seen} == {"staging"}
    assert accounts.authorizations("staging") == {accounts.basic("staging")}


async def test_register_without_source_among_several_accounts_says_to_name_one(
    accounts: SimulatedAccounts,
) -> None:
    code, lines = await _run(accounts.http, accounts.settings(), "register", STAGING_URL)
    assert code == 1
    assert lines == [
        "✗ Several Fivetran accounts are configured (prod, staging): say which one with --source, "
        "e.g. `hvr-bot webhooks register --source prod …`"
    ]
    assert accounts.seen == []


@pytest.mark.parametrize("command", ["register", "list", "remove"])
async def test_an_unknown_source_lists_the_configured_ones(accounts: SimulatedAccounts, command: str) -> None:
    argv = {"register": (STAGING_URL,), "list": (), "remove": ("wh1",)}[command]
    code, lines = await _run(accounts.http, accounts.settings(), command, *argv, source="qa")
    assert code == 1
    assert lines == ["✗ No Fivetran account is named 'qa': the configured ones are prod, staging"]
    assert accounts.seen == []


async def test_register_needs_the_named_accounts_webhook_secret(accounts: SimulatedAccounts) -> None:
    settings = accounts.settings({"prod": {"webhook_secret": None}})
    code, lines = await _run(accounts.http, settings, "register", STAGING_URL, source="prod")
    assert code == 1 and lines[0].startswith("✗ FIVETRAN_PROD_WEBHOOK_SECRET is not set")
    assert accounts.seen == []
    # the other account's secret does not stand in for it
    code, _ = await _run(accounts.http, settings, "register", STAGING_URL, source="staging")
    assert code == 0


async def test_register_warns_of_a_path_that_is_not_the_accounts_route(accounts: SimulatedAccounts) -> None:
    code, lines = await _run(accounts.http, accounts.settings(), "register", URL, source="staging")
    assert code == 0
    assert (
        lines[0]
        == "! The bot receives staging's webhooks at /fivetran/webhook/staging; this URL has a different path."
    )


async def test_list_shows_every_account_or_the_named_one(accounts: SimulatedAccounts) -> None:
    settings = accounts.settings()
    await _run(accounts.http, settings, "register", STAGING_URL, source="staging")
    [hook_id] = accounts.sims["staging"].webhooks.webhooks

    code, lines = await _run(accounts.http, settings, "list")
    assert code == 0
    assert lines[:2] == [
        "prod:",
        "  No webhooks. Register one with: hvr-bot webhooks register --source prod "
        "--url https://…/fivetran/webhook/prod",
    ]
    assert lines[2] == "staging:" and lines[3].startswith(f"  {hook_id}  account") and STAGING_URL in lines[3]

    code, lines = await _run(accounts.http, settings, "list", source="staging")
    assert code == 0 and len(lines) == 1 and lines[0].startswith(hook_id)
    for seen in accounts.seen:
        assert seen.authorization == accounts.basic(seen.source)


async def test_one_account_refusing_the_list_does_not_hide_the_others(accounts: SimulatedAccounts) -> None:
    settings = accounts.settings({"prod": {"api_secret": SecretStr("revoked")}})
    code, lines = await _run(accounts.http, settings, "list")
    assert code == 1
    assert lines[0] == "prod:" and lines[1].startswith("  ✗ Fivetran refused: ")
    assert lines[2] == "staging:" and lines[3].startswith("  No webhooks.")
    assert "revoked" not in "\n".join(lines)


async def test_remove_works_on_the_named_account_only(accounts: SimulatedAccounts) -> None:
    settings = accounts.settings()
    await _run(accounts.http, settings, "register", STAGING_URL, source="staging")
    [hook_id] = accounts.sims["staging"].webhooks.webhooks

    code, lines = await _run(accounts.http, settings, "remove", hook_id)
    assert code == 1 and lines[0].startswith("✗ Several Fivetran accounts are configured (prod, staging)")
    code, lines = await _run(accounts.http, settings, "remove", hook_id, source="prod")
    assert code == 1 and lines[0].startswith("✗ prod: Fivetran refused: ")
    assert accounts.sims["staging"].webhooks.webhooks

    code, lines = await _run(accounts.http, settings, "remove", hook_id, source="staging")
    assert code == 0 and not accounts.sims["staging"].webhooks.webhooks
    for seen in accounts.seen:
        assert seen.authorization == accounts.basic(seen.source)


def test_the_command_line_takes_source(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    for name, value in {
        "HVR_SECRETS_DIR": str(tmp_path / "no-secrets"),
        "FIVETRAN_ACCOUNTS": "prod,staging",
        "FIVETRAN_PROD_API_KEY": "k",
        "FIVETRAN_PROD_API_SECRET": "s",
        "FIVETRAN_STAGING_API_KEY": "k",
        "FIVETRAN_STAGING_API_SECRET": "s",
    }.items():
        monkeypatch.setenv(name, value)

    assert main(["webhooks", "register", "--source", "qa", "--url", STAGING_URL]) == 1
    assert main(["webhooks", "list", "--source", "qa"]) == 1
    assert main(["webhooks", "remove", "--source", "qa", "wh1"]) == 1
    assert main(["webhooks", "register", "--url", STAGING_URL]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["✗ No Fivetran account is named 'qa': the configured ones are prod, staging"] * 3
    assert out[3].startswith("✗ Several Fivetran accounts are configured (prod, staging)")
