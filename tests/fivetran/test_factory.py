"""One client per Fivetran account: its credentials, its URL and a request budget of its own."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.config import FivetranAccount, Settings
from bot.fivetran.factory import client_for_account, client_from_settings
from tests.fakes.accounts import simulated_accounts


async def test_each_account_client_sends_its_own_credentials_to_its_own_url() -> None:
    async with simulated_accounts("prod", "staging") as accounts:
        prod = client_for_account(accounts.account("prod"), accounts.http)
        staging = client_for_account(accounts.account("staging"), accounts.http)

        await prod.account_info()
        await staging.account_info()
        await prod.list_webhooks()

        assert [(s.source, s.path) for s in accounts.seen] == [
            ("prod", "/v1/account/info"),
            ("staging", "/v1/account/info"),
            ("prod", "/v1/webhooks"),
        ]
        assert accounts.authorizations("prod") == {accounts.basic("prod")}
        assert accounts.authorizations("staging") == {accounts.basic("staging")}


async def test_each_account_has_a_budget_of_its_own_at_its_hourly_limit() -> None:
    async with simulated_accounts("prod", "staging") as accounts:
        prod = client_for_account(accounts.account("prod", hourly_limit=500), accounts.http)
        staging = client_for_account(accounts.account("staging"), accounts.http)

        await prod.account_info()

        assert prod.transport.budget is not None and staging.transport.budget is not None
        assert prod.transport.budget is not staging.transport.budget
        assert prod.transport.budget.capacity == 500 and staging.transport.budget.capacity == 20_000
        # prod's request spent prod's budget only
        assert prod.transport.budget.available < 500 and staging.transport.budget.available == 20_000


async def test_client_from_settings_is_the_single_accounts_client() -> None:
    async with simulated_accounts("fivetran") as accounts:
        settings = Settings(
            _env_file=None, fivetran_api_key="fivetran-key", fivetran_api_secret="fivetran-secret"
        )
        client = client_from_settings(settings, accounts.http, base_url="http://fivetran.simulator")
        await client.account_info()
        assert accounts.authorizations("fivetran") == {accounts.basic("fivetran")}


async def test_client_from_settings_refuses_to_guess_among_several_accounts() -> None:
    def account(name: str) -> FivetranAccount:
        return FivetranAccount(name=name, api_key=SecretStr("k"), api_secret=SecretStr("s"))

    settings = Settings(_env_file=None, fivetran_accounts=[account("prod"), account("staging")])
    async with simulated_accounts("prod") as accounts:
        with pytest.raises(ValueError, match=r"2 Fivetran accounts are configured \(prod, staging\)"):
            client_from_settings(settings, accounts.http)
