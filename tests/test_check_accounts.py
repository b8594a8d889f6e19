"""`hvr-bot check` with FIVETRAN_ACCOUNTS: every account checked, each line naming its account."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bot.check import run_check
from bot.config import Settings
from bot.fivetran.factory import client_for_account
from tests.fakes.accounts import SimulatedAccounts, simulated_accounts

HOOK_URL = "https://bot.example/fivetran/webhook/staging"


async def _check(settings: Settings, accounts: SimulatedAccounts) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = await run_check(settings, out=lines.append, http=accounts.http)
    return code, lines


def _database(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


async def test_the_account_whose_key_is_rejected_is_named_and_the_other_is_still_checked(
    tmp_path: Path,
) -> None:
    async with simulated_accounts("prod", "staging") as accounts:
        settings = accounts.settings(
            {"prod": {"webhook_secret": None}, "staging": {"api_secret": SecretStr("an-old-secret")}},
            database_url=_database(tmp_path),
        )

        code, lines = await _check(settings, accounts)

        fivetran = [line for line in lines if "prod:" in line or "staging:" in line]
        assert fivetran == [
            "  ✓ prod: Fivetran: connected to account "
            f"{accounts.sims['prod'].account.account_name} with a user key",
            "  ✓ prod: Fivetran: the key may list connections",
            "  · prod: Fivetran webhook: FIVETRAN_PROD_WEBHOOK_SECRET is not set, so alerts come from polling "
            "every 120s (set it and run `hvr-bot webhooks register --source prod` for real-time alerts)",
            "  ✗ staging: Fivetran did not accept FIVETRAN_STAGING_API_KEY / FIVETRAN_STAGING_API_SECRET: "
            "check both values (a regenerated key disables the old one)",
        ]
        assert code == 1
        assert not any("an-old-secret" in line for line in lines)
        # Each account was asked with its own credentials only (staging with the wrong secret it was given).
        assert accounts.authorizations("prod") == {accounts.basic("prod")}
        assert accounts.basic("prod") not in accounts.authorizations("staging")


async def test_each_accounts_webhook_is_checked_with_the_command_that_registers_it(tmp_path: Path) -> None:
    async with simulated_accounts("prod", "staging") as accounts:
        settings = accounts.settings(database_url=_database(tmp_path))
        staging = client_for_account(accounts.account("staging"), accounts.http)
        hook = await staging.create_account_webhook(HOOK_URL, ["sync_end"], "staging-webhook-secret")

        code, lines = await _check(settings, accounts)
        assert (
            "  ✗ prod: Fivetran webhook: FIVETRAN_PROD_WEBHOOK_SECRET is set but no account webhook is "
            "registered: run `hvr-bot webhooks register --source prod "
            "--url https://<your host>/fivetran/webhook/prod`"
        ) in lines
        assert f"  ✓ staging: Fivetran webhook: {hook.id} is active and sends to {HOOK_URL}" in lines
        assert code == 1

        await staging.update_webhook(hook.id, {"active": False})
        code, lines = await _check(settings, accounts)
        assert any(
            line.startswith(
                f"  ✗ staging: Fivetran webhook: {hook.id} ({HOOK_URL}) is registered but not active"
            )
            and line.endswith(
                "run `hvr-bot webhooks register --source staging --url <its URL>` again to activate it"
            )
            for line in lines
        )


async def test_unprefixed_variables_beside_fivetran_accounts_are_said_to_be_unused(tmp_path: Path) -> None:
    async with simulated_accounts("prod", "staging") as accounts:
        settings = accounts.settings(
            database_url=_database(tmp_path),
            fivetran_api_key="old-key",
            fivetran_api_secret="old-secret",
        )

        _, lines = await _check(settings, accounts)

        assert (
            "  · FIVETRAN_API_KEY, FIVETRAN_API_SECRET are set but not used: FIVETRAN_ACCOUNTS names the "
            "accounts (prod, staging), each read from its own FIVETRAN_<NAME>_… variables"
        ) in lines
        assert not any("old-key" in line or "old-secret" in line for line in lines)
        assert {s.source for s in accounts.seen} == {"prod", "staging"}


async def test_one_named_account_is_checked_without_naming_it_on_every_line(tmp_path: Path) -> None:
    async with simulated_accounts("staging") as accounts:
        settings = accounts.settings({"staging": {"webhook_secret": None}}, database_url=_database(tmp_path))

        _, lines = await _check(settings, accounts)

        assert "  ✓ Fivetran: the key may list connections" in lines
        assert any(
            "FIVETRAN_STAGING_WEBHOOK_SECRET is not set" in line and "--source staging" in line
            for line in lines
        )
