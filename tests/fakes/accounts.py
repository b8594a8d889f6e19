"""Several Fivetran accounts, one simulator each, behind one HTTP client: `http://<name>.simulator`.

Every account has credentials of its own (`<name>-key` / `<name>-secret`), and every request the client
sends is recorded with the account it reached and the Authorization header it carried, so that a test can
prove a request for one account never carries another's credentials.

    async with simulated_accounts("prod", "staging") as accounts:
        settings = accounts.settings()                     # FIVETRAN_ACCOUNTS=prod,staging, as loaded
        ...                                                # run the code under test with accounts.http
        assert accounts.authorizations("staging") == {accounts.basic("staging")}
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.config import FivetranAccount, Settings
from bot.simulator import ManualClock, Simulator, build_app
from tests.simulator.aliases import watched

DOMAIN = "simulator"


@dataclass(frozen=True)
class Seen:
    source: str  # the account whose simulator answered
    authorization: str
    path: str


@dataclass
class SimulatedAccounts:
    sims: dict[str, Simulator]
    http: httpx.AsyncClient
    seen: list[Seen] = field(default_factory=list)

    @staticmethod
    def key(name: str) -> str:
        return f"{name}-key"

    @staticmethod
    def secret(name: str) -> str:
        return f"{name}-secret"

    @staticmethod
    def basic(name: str) -> str:
        """The Authorization header of `name`'s own credentials."""
        pair = f"{SimulatedAccounts.key(name)}:{SimulatedAccounts.secret(name)}"
        return "Basic " + base64.b64encode(pair.encode()).decode()

    def account(self, name: str, **extra: object) -> FivetranAccount:
        values: dict[str, object] = {
            "name": name,
            "api_key": SecretStr(self.key(name)),
            "api_secret": SecretStr(self.secret(name)),
            "api_url": f"http://{name}.{DOMAIN}",
            "webhook_secret": SecretStr(f"{name}-webhook-secret"),
        }
        values.update(extra)
        return FivetranAccount.model_validate(values)

    def settings(self, accounts: dict[str, dict[str, object]] | None = None, **extra: object) -> Settings:
        """Settings with every simulated account configured; `accounts` overrides some of their fields."""
        overrides = accounts or {}
        configured = [self.account(name, **overrides.get(name, {})) for name in self.sims]
        return Settings(_env_file=None, fivetran_accounts=configured, **extra)  # type: ignore[arg-type]

    def authorizations(self, source: str) -> set[str]:
        return {seen.authorization for seen in self.seen if seen.source == source}


def _by_host(apps: dict[str, ASGIApp]) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        host = dict(scope.get("headers", [])).get(b"host", b"").decode()
        await apps[host.removesuffix(f".{DOMAIN}")](scope, receive, send)

    return app


@contextlib.asynccontextmanager
async def simulated_accounts(
    *names: str, connections: int = 5, seed: int | None = None
) -> AsyncIterator[SimulatedAccounts]:
    """`seed`: every account from the same one, so the same connection names and ids exist in each (a
    staging copy of production); by default each account has its own."""
    sims = {
        name: watched(
            Simulator(
                seed=seed if seed is not None else index + 1,
                connections=connections,
                clock=ManualClock(),
                api_key=SimulatedAccounts.key(name),
                api_secret=SimulatedAccounts.secret(name),
            )
        )
        for index, name in enumerate(names)
    }
    seen: list[Seen] = []

    async def record(request: httpx.Request) -> None:
        source = request.url.host.removesuffix(f".{DOMAIN}")
        seen.append(Seen(source, request.headers.get("authorization", ""), request.url.path))

    transport = httpx.ASGITransport(app=_by_host({name: build_app(sim) for name, sim in sims.items()}))
    async with httpx.AsyncClient(transport=transport, event_hooks={"request": [record]}) as http:
        yield SimulatedAccounts(sims, http, seen)
    for sim in sims.values():
        await sim.aclose()
