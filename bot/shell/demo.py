"""`hvr-bot shell --demo [--accounts N]`: simulated Fivetran accounts and one simulated HVR 6 hub for the
shell, on no network (DESIGN section 8: a newcomer's first `/hvr list` shows connectors and channels).

The hub is the `--kind hvr6` simulator (bot/simulator/hvr6/), the source `onprem`, on the same scaled
clock; its tokens last 15 real minutes whatever the speed, so the demo is not a storm of renewals.

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
from bot.simulator.hvr6.app import build_app as build_hub_app
from bot.simulator.hvr6.hub import HUB, PASSWORD, USERNAME, Hub
from bot.source_config import HvrHub

DEMO_SEED = 7
NAMES = ("prod", "staging", "dev", "qa", "sandbox")
MAX_ACCOUNTS = len(NAMES)
DOMAIN = "simulator"
DEMO_HUB = "onprem"
HUB_CHANNELS = 8
TOKEN_SECONDS = 900


@dataclass
class DemoAccounts:
    sims: dict[str, Simulator]
    http: httpx.AsyncClient
    settings: dict[str, Any] = field(default_factory=dict)  # what the settings get for these accounts
    base_url: str | None = None  # the one account's URL; several keep their own
    hub: Hub | None = None
    hub_transport: httpx.AsyncBaseTransport | None = None

    @property
    def connections(self) -> int:
        return sum(len(sim.connections) for sim in self.sims.values())

    @property
    def channels(self) -> int:
        return len(self.hub.defs) if self.hub is not None else 0

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


def demo_hub(clock: ScaledClock, speed: float) -> tuple[Hub, httpx.AsyncBaseTransport, dict[str, Any]]:
    """One simulated hub, the transport that reaches it, and the settings that name it."""
    hub = Hub(
        clock=clock, channels=HUB_CHANNELS, seed=DEMO_SEED, token_seconds=int(TOKEN_SECONDS * max(speed, 1.0))
    )
    transport = httpx.ASGITransport(app=build_hub_app(hub))
    config = HvrHub(
        name=DEMO_HUB, url=f"http://hvr6.{DOMAIN}", username=USERNAME, password=SecretStr(PASSWORD), hub=HUB
    )
    return hub, transport, {"hvr_hubs": {DEMO_HUB: config}}


def demo_accounts(count: int, speed: float) -> DemoAccounts:
    if not 1 <= count <= MAX_ACCOUNTS:
        raise ValueError(f"--accounts takes 1 to {MAX_ACCOUNTS}")
    clock = ScaledClock(speed)
    hub, hub_transport, hub_settings = demo_hub(clock, speed)
    demo = _accounts(count, clock)
    demo.settings |= hub_settings
    demo.hub, demo.hub_transport = hub, hub_transport
    return demo


def _accounts(count: int, clock: ScaledClock) -> DemoAccounts:
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
