"""One command waits for Fivetran at most COMMAND_WAIT_S, whatever the transport's timeouts and retries."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx

from bot.fivetran import FivetranClient
from bot.fivetran.errors import RateLimited, Timeout
from bot.fivetran.patience import COMMAND_WAIT_S, patience
from bot.fivetran.transport import DEFAULT_TIMEOUT
from tests.fakes import FakeClock, FakeSleep
from tests.fivetran.conftest import BASE, connection, ok


def _slow(clock: FakeClock) -> Callable[[httpx.Request], httpx.Response]:
    """A Fivetran that never answers: each request uses up its whole read timeout on the fake clock."""

    def answer(request: httpx.Request) -> httpx.Response:
        clock.advance(request.extensions["timeout"]["read"])
        raise httpx.ReadTimeout("slow", request=request)

    return answer


@respx.mock
async def test_without_patience_a_slow_read_takes_every_attempt_of_30s(
    client: FivetranClient, clock: FakeClock, sleep: FakeSleep
) -> None:
    respx.get(f"{BASE}/v1/connections/c1").mock(side_effect=_slow(clock))
    started = clock.timestamp()
    with pytest.raises(Timeout):
        await client.get_connection("c1")
    assert DEFAULT_TIMEOUT.read is not None
    assert clock.timestamp() - started >= 3 * DEFAULT_TIMEOUT.read  # what made `/hvr list` take 112 s


@respx.mock
async def test_a_command_waits_for_a_slow_read_no_longer_than_its_patience(
    client: FivetranClient, clock: FakeClock, sleep: FakeSleep
) -> None:
    route = respx.get(f"{BASE}/v1/connections/c1").mock(side_effect=_slow(clock))
    started = clock.timestamp()
    with patience(COMMAND_WAIT_S, clock.timestamp), pytest.raises(Timeout) as caught:
        await client.get_connection("c1")
    assert clock.timestamp() - started <= COMMAND_WAIT_S
    assert route.call_count == 2  # 30 s, then the 15 s that were left
    assert caught.value.message == "Fivetran did not answer in time"


@respx.mock
async def test_a_slow_post_is_not_resent_and_is_reported_as_possibly_done(
    client: FivetranClient, clock: FakeClock, sleep: FakeSleep
) -> None:
    route = respx.post(f"{BASE}/v1/connections/c1/sync").mock(side_effect=_slow(clock))
    with patience(COMMAND_WAIT_S, clock.timestamp), pytest.raises(Timeout) as caught:
        await client.sync("c1")
    assert route.call_count == 1
    assert caught.value.may_have_acted


@respx.mock
async def test_a_retry_after_longer_than_the_patience_left_is_not_waited_out(
    client: FivetranClient, clock: FakeClock, sleep: FakeSleep
) -> None:
    respx.get(f"{BASE}/v1/connections/c1").respond(429, headers={"Retry-After": "50"}, json={"code": "x"})
    with patience(COMMAND_WAIT_S, clock.timestamp), pytest.raises(RateLimited):
        await client.get_connection("c1")
    assert sleep.waits == []


@respx.mock
async def test_a_task_that_outlives_its_command_is_no_longer_bounded(
    client: FivetranClient, clock: FakeClock, sleep: FakeSleep
) -> None:
    with patience(1.0, clock.timestamp) as bound:
        pass
    clock.advance(10)
    respx.get(f"{BASE}/v1/connections/c1").respond(json=ok(connection("c1")))
    assert bound.closed
    assert (await client.get_connection("c1")).id == "c1"
