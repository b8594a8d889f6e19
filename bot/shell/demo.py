"""`hvr-bot shell --demo [--accounts N]`: simulated Fivetran accounts for the shell, on no network.

One account (the default) is the single-account bot exactly as a first look should show it. With several,
each is a simulator of its own behind one HTTP client, reached as `http://<name>.simulator`, with its own
credentials: the accounts are copies of one seed, so the same connector names exist in each (as a staging
copy of production has), and each has had a few things of its own happen, so they do not look the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.config import FivetranAccount
from bot.simulator import ScaledClock, Simulator, build_app

DEMO_SEED = 7
NAMES = ("prod", "staging", "dev", "qa", "sandbox")
MAX_ACCOUNTS = len(NAMES)
DOMAIN = "simulator"


@dataclass
class DemoAccounts:
    sims: dict[str, Simulator]
    http: httpx.AsyncClient
    settings: dict[str, Any] = field(default_factory=dict)  # what the settings get for these accounts
    base_url: str | None = None  # the one account's URL; several keep their own

    @property
    def connections(self) -> int:
        return sum(len(sim.connections) for sim in self.sims.values())

    async def aclose(self) -> None:
        await self.http.aclose()
        for sim in self.sims.values():
            await sim.aclose()


def _by_host(apps: dict[str, ASGIApp]) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        host = dict(scope.get("headers", [])).get(b"host", b"").decode()
        await apps[host.removesuffix(f".{DOMAIN}")](scope, receive, send)

    return app


def _diverge(sim: Simulator, index: int) -> None:
    """A few events of this account's own: every few connectors of a copy is paused or broken."""
    ids = sorted(sim.connections)
    for n, cid in enumerate(ids[index::7][:3]):
        if n == 0:
            sim.break_connection(cid, "Reconnect: the staging credentials expired")
        else:
            sim.update_connection(cid, {"paused": True})


def demo_accounts(count: int, speed: float) -> DemoAccounts:
    if not 1 <= count <= MAX_ACCOUNTS:
        raise ValueError(f"--accounts takes 1 to {MAX_ACCOUNTS}")
    clock = ScaledClock(speed)
    if count == 1:
        sim = Simulator(seed=DEMO_SEED, clock=clock, api_key="demo", api_secret="demo")
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(sim)))
        single = {"fivetran_api_key": SecretStr("demo"), "fivetran_api_secret": SecretStr("demo")}
        return DemoAccounts({"fivetran": sim}, http, single, base_url="http://simulator")
    sims: dict[str, Simulator] = {}
    accounts: dict[str, FivetranAccount] = {}
    for index, name in enumerate(NAMES[:count]):
        sim = Simulator(seed=DEMO_SEED, clock=clock, api_key=f"{name}-demo", api_secret=f"{name}-demo")
        if index:
            _diverge(sim, index)
        sims[name] = sim
        accounts[name] = FivetranAccount(
            name=name,
            api_key=SecretStr(sim.api_key),
            api_secret=SecretStr(sim.api_secret),
            api_url=f"http://{name}.{DOMAIN}",
        )
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_by_host({n: build_app(s) for n, s in sims.items()}))
    )
    return DemoAccounts(sims, http, {"fivetran_accounts": accounts})
