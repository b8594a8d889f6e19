"""Each of Fivetran's rate-limit classes is paced in the client's budget, so that bulk work meets no 429.

The fake account below enforces the limits the way Fivetran documents them (rolling windows per class,
beside the hourly total) with its own idea of which request is which, on a fake clock that the budget's
waits move: a whole hour of setup tests costs no real time.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import respx

from bot.fivetran import FivetranClient
from bot.fivetran.budget import PAID, SETUP_TESTS, SOURCE, TRIAL, RequestBudget, Window, classes_of
from bot.fivetran.retry import RetryPolicy
from bot.fivetran.transport import Transport
from tests.fakes import FakeClock, FakeSleep
from tests.fivetran.conftest import BASE
from tests.fivetran.spec_examples import response_example

TEST = re.compile(rf"^{re.escape(BASE)}/v1/connections/([^/]+)/test$")
RELOAD = re.compile(rf"^{re.escape(BASE)}/v1/connections/([^/]+)/schemas/reload$")
COLUMNS = re.compile(rf"^{re.escape(BASE)}/v1/connections/([^/]+)/schemas/([^/]+)/tables/([^/]+)/columns$")
GROUP = f"{BASE}/v1/groups/projected_sickle"


@dataclass
class Limited:
    """Fivetran's limits on a paid account, as its rate-limiting page gives them."""

    clock: FakeClock
    windows: dict[str, tuple[Window, ...]] = field(
        default_factory=lambda: {
            "all": (Window(20_000, 3600),),
            "setup": (Window(250, 60), Window(2_500, 3600)),
            "source": (Window(500, 60), Window(5_000, 3600)),
        }
    )
    seen: dict[str, deque[float]] = field(default_factory=dict)
    answered: dict[int, int] = field(default_factory=dict)

    def _over(self, kinds: tuple[str, ...]) -> bool:
        now = self.clock.timestamp()
        for kind in kinds:
            times = self.seen.setdefault(kind, deque())
            for window in self.windows[kind]:
                if sum(1 for t in times if now - t < window.seconds) >= window.limit:
                    return True
        for kind in kinds:
            self.seen[kind].append(now)
        return False

    def answer(self, kinds: tuple[str, ...], body: object) -> httpx.Response:
        status = 429 if self._over(("all", *kinds)) else 200
        self.answered[status] = self.answered.get(status, 0) + 1
        if status == 429:
            return httpx.Response(
                429,
                json={"code": "TooManyRequests", "message": "Too many requests"},
                headers={"Retry-After": "60"},
            )
        return httpx.Response(200, json=body)

    def mount(self) -> None:
        tested = response_example("/v1/connections/{connectionId}/test", "post")
        reloaded = response_example("/v1/connections/{connectionId}/schemas/reload", "post")
        columns = response_example(
            "/v1/connections/{connectionId}/schemas/{schema}/tables/{table}/columns", "get"
        )
        group = response_example("/v1/groups/{groupId}", "get")
        respx.post(url__regex=TEST.pattern).mock(
            side_effect=lambda r: self.answer(("setup", "source"), tested)
        )
        respx.post(url__regex=RELOAD.pattern).mock(side_effect=lambda r: self.answer(("source",), reloaded))
        respx.get(url__regex=COLUMNS.pattern).mock(side_effect=lambda r: self.answer(("source",), columns))
        respx.get(GROUP).mock(side_effect=lambda r: self.answer((), group))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def client(clock: FakeClock) -> AsyncIterator[FivetranClient]:
    sleep = FakeSleep(clock)
    async with httpx.AsyncClient() as http:
        transport = Transport(
            http,
            api_key="k",
            api_secret="s",
            base_url=BASE,
            retry=RetryPolicy(max_attempts=1),  # a 429 is not waited out here: it is counted
            # the default budget of a paid account, as the factory builds it
            budget=RequestBudget(20_000, clock=clock.timestamp, sleep=sleep),
            sleep=sleep,
            clock=clock.timestamp,
        )
        yield FivetranClient(transport)


@pytest.fixture
def account(clock: FakeClock) -> Iterator[Limited]:
    with respx.mock:
        limited = Limited(clock)
        limited.mount()
        yield limited


async def test_400_setup_tests_at_once_meet_no_429(
    client: FivetranClient, account: Limited, clock: FakeClock
) -> None:
    started = clock.timestamp()
    tested = await asyncio.gather(*(client.run_setup_tests(f"c{i}") for i in range(400)))
    assert account.answered == {200: 400}
    assert all(t.setup_tests for t in tested)
    # 250 in the first minute, the other 150 once it (and the margin) passed: paced, not stalled
    assert 60 <= clock.timestamp() - started <= 63


async def test_an_hour_of_setup_tests_keeps_under_the_hourly_limit_too(
    client: FivetranClient, account: Limited, clock: FakeClock
) -> None:
    for start in range(0, 2_600, 100):
        await asyncio.gather(*(client.run_setup_tests(f"c{i}") for i in range(start, start + 100)))
    assert account.answered == {200: 2_600}
    assert clock.timestamp() - FakeClock().timestamp() >= 3600  # the 2,501st waited for the hour


async def test_setup_tests_and_other_source_calls_share_the_source_limit(
    client: FivetranClient, account: Limited
) -> None:
    calls: list[Awaitable[object]] = [client.run_setup_tests(f"t{i}") for i in range(200)]
    calls += [client.reload_schemas(f"r{i}") for i in range(200)]
    calls += [client.get_columns(f"c{i}", "public", "orders") for i in range(200)]
    await asyncio.gather(*calls)
    assert account.answered == {200: 600}


async def test_a_request_of_no_class_does_not_wait_behind_a_paced_one(
    client: FivetranClient, account: Limited, clock: FakeClock
) -> None:
    tests = asyncio.gather(*(client.run_setup_tests(f"c{i}") for i in range(300)))
    await asyncio.sleep(0)
    before = clock.timestamp()
    await client.get_group("projected_sickle")
    assert clock.timestamp() == before  # the 50 setup tests waiting for the next minute held nothing up
    await tests


@pytest.mark.parametrize(
    ("method", "path", "classes"),
    [
        ("POST", "/v1/connections/c1/test", (SETUP_TESTS, SOURCE)),
        ("POST", "/v1/connections/c1/test/", (SETUP_TESTS, SOURCE)),
        ("POST", "/v1/connections/c1/schemas/reload", (SOURCE,)),
        ("GET", "/v1/connections/c1/schemas/public/tables/orders/columns", (SOURCE,)),
        ("PATCH", "/v1/connections/c1/schemas/public/tables/orders/columns/email", (SOURCE,)),
        ("GET", "/v1/connections/c1/schemas", ()),
        ("PATCH", "/v1/connections/c1/schemas/public/tables/orders", ()),
        ("POST", "/v1/connections/c1/sync", ()),
        ("GET", "/v1/connections/c1/test", ()),
        ("POST", "/v1/webhooks/w1/test", ()),
    ],
)
def test_each_request_counts_in_the_class_fivetran_counts_it_in(
    method: str, path: str, classes: tuple[str, ...]
) -> None:
    assert classes_of(method, path) == classes


def test_a_trial_account_is_paced_to_the_trial_limits() -> None:
    assert RequestBudget(500).limits == {name: tuple(w) for name, w in TRIAL.items()}
    assert RequestBudget(20_000).limits == {name: tuple(w) for name, w in PAID.items()}


async def test_a_clock_that_lags_the_sleep_does_not_make_requests_wait_forever() -> None:
    sleep = FakeSleep()  # moves no clock: the budget must trust its own wait
    budget = RequestBudget(20_000, clock=lambda: 0.0, sleep=sleep, limits={SOURCE: (Window(2, 60),)})
    for _ in range(5):
        await budget.acquire(SOURCE)
    assert sleep.waits == [61.0, 61.0, 61.0]  # each waited once, for as long as it was told
