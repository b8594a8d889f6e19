"""The client-side budget slows work down before Fivetran answers 429."""

from __future__ import annotations

import httpx
import respx

from bot.fivetran import FivetranClient
from bot.fivetran.budget import RequestBudget
from bot.fivetran.transport import Transport
from tests.fakes import FakeClock, FakeSleep
from tests.fivetran.conftest import BASE, ok


async def test_a_spent_bucket_waits_for_the_refill_rate() -> None:
    clock = FakeClock()
    sleep = FakeSleep(clock)
    budget = RequestBudget(3600, clock=clock.timestamp, sleep=sleep)  # one token a second
    budget._tokens = 2
    assert await budget.acquire() == 0
    assert await budget.acquire() == 0
    waited = await budget.acquire()
    assert waited == 1.0
    assert sleep.waits == [1.0]


async def test_the_bucket_refills_with_time() -> None:
    clock = FakeClock()
    sleep = FakeSleep(clock)
    budget = RequestBudget(3600, clock=clock.timestamp, sleep=sleep)
    budget._tokens = 0
    clock.advance(5)
    assert budget.available == 5


async def test_fivetrans_remaining_count_lowers_the_bucket() -> None:
    clock = FakeClock()
    sleep = FakeSleep(clock)
    budget = RequestBudget(20_000, clock=clock.timestamp, sleep=sleep)
    async with httpx.AsyncClient() as http:
        transport = Transport(
            http,
            api_key="k",
            api_secret="s",
            base_url=BASE,
            budget=budget,
            sleep=sleep,
            clock=clock.timestamp,
        )
        client = FivetranClient(transport)
        with respx.mock:
            respx.get(f"{BASE}/v1/account/info").respond(
                json=ok({"account_id": "a"}), headers={"X-Rate-Limit-Remaining": "1"}
            )
            await client.account_info()
            assert transport.rate_limit_remaining == 1
            assert budget.available <= 1
            await client.account_info()
            await client.account_info()
    assert sleep.waits, "the third request should have waited for the bucket to refill"
