"""A bulk `test` over 400 connectors through the client the bot builds (`client_for_account`: the default
budget of a paid account), against the simulator enforcing Fivetran's rate classes (DESIGN section 10):
the budget paces them, and the simulator refuses none. The budget and the simulator share one driven
clock, so a minute of pacing costs no real time."""

from __future__ import annotations

import asyncio

import httpx
from pydantic import SecretStr

from bot.config import FivetranAccount
from bot.fivetran.factory import client_for_account
from bot.simulator import Simulator, build_app
from tests.fakes import FakeClock, FakeSleep
from tests.simulator.aliases import watched

TEST = "POST /v1/connections/{connection_id}/test"


async def test_setup_tests_of_400_connectors_at_once_at_the_default_budget_meet_no_429() -> None:
    clock = FakeClock()
    sim = watched(Simulator(seed=19, groups=4, connections=400, clock=clock))
    account = FivetranAccount(
        name="fivetran", api_key=SecretStr(sim.api_key), api_secret=SecretStr(sim.api_secret)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(sim)), base_url="http://simulator"
    ) as http:
        client = client_for_account(
            account, http, base_url="http://simulator", sleep=FakeSleep(clock), clock=clock.timestamp
        )
        started = clock.timestamp()
        tested = await asyncio.gather(*(client.run_setup_tests(cid) for cid in sim.connections))
        stats = (await http.get("/_sim/stats", auth=("demo", "demo"))).json()["data"]

    assert len(tested) == 400 and all(connection.setup_tests for connection in tested)
    assert stats["requests_by_operation"][TEST] == 400  # each sent once: none refused and retried
    assert stats["rate_limited"] == {}
    # The limit was there to meet: 250 in the first minute, the other 150 once it (and the margin) passed.
    assert 60 <= clock.timestamp() - started <= 63
