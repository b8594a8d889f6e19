"""One client per Fivetran account: its credentials, its URL and a request budget of its own."""

from __future__ import annotations

from bot.fivetran.factory import client_for_account
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
