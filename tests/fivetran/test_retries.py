"""Retries: 429 honours Retry-After, 5xx and connect errors back off, and a POST is never re-sent once
Fivetran may have acted on it."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.fivetran import ConnectError, FivetranClient, RateLimited, ServerError, Timeout
from bot.fivetran.transport import RequestEvent
from tests.fakes import FakeSleep
from tests.fivetran.conftest import BASE, connection, ok


@respx.mock
async def test_429_waits_retry_after_then_succeeds(client: FivetranClient, sleep: FakeSleep) -> None:
    route = respx.get(f"{BASE}/v1/connections/c1").mock(
        side_effect=[
            httpx.Response(
                429, headers={"Retry-After": "7"}, json={"code": "TooManyRequests", "message": "x"}
            ),
            httpx.Response(200, json=ok(connection("c1"))),
        ]
    )
    assert (await client.get_connection("c1")).id == "c1"
    assert route.call_count == 2
    assert sleep.waits == [7.0]


@respx.mock
async def test_a_post_refused_with_429_is_safe_to_send_again(
    client: FivetranClient, sleep: FakeSleep
) -> None:
    route = respx.post(f"{BASE}/v1/connections/c1/sync").mock(
        side_effect=[
            httpx.Response(
                429, headers={"Retry-After": "2"}, json={"code": "TooManyRequests", "message": "x"}
            ),
            httpx.Response(200, json=ok()),
        ]
    )
    await client.sync("c1")
    assert route.call_count == 2
    assert sleep.waits == [2.0]


@respx.mock
async def test_a_retry_after_beyond_the_cap_is_raised_not_waited(
    client: FivetranClient, sleep: FakeSleep
) -> None:
    route = respx.get(f"{BASE}/v1/connections/c1").respond(
        429, headers={"Retry-After": "1800"}, json={"code": "TooManyRequests", "message": "hourly limit"}
    )
    with pytest.raises(RateLimited) as caught:
        await client.get_connection("c1")
    assert caught.value.retry_after == 1800
    assert route.call_count == 1
    assert sleep.waits == []


@respx.mock
async def test_get_5xx_backs_off_and_gives_up_after_max_attempts(
    client: FivetranClient, sleep: FakeSleep, events: list[RequestEvent]
) -> None:
    route = respx.get(f"{BASE}/v1/connections/c1").respond(
        503, json={"code": "Unavailable", "message": "busy"}
    )
    with pytest.raises(ServerError, match="busy"):
        await client.get_connection("c1")
    assert route.call_count == 3  # max_attempts in the fixture
    assert len(sleep.waits) == 2
    assert all(0 <= w <= 4.0 for w in sleep.waits)
    assert [e.retry_in is not None for e in events] == [True, True, False]


@pytest.mark.parametrize("path", ["/sync", "/resync", "/test", "/schemas/tables/resync"])
@respx.mock
async def test_no_post_is_repeated_after_a_5xx(client: FivetranClient, sleep: FakeSleep, path: str) -> None:
    route = respx.post(f"{BASE}/v1/connections/c1{path}").respond(500, json={"code": "Oops", "message": "x"})
    with pytest.raises(ServerError):
        if path == "/sync":
            await client.sync("c1")
        elif path == "/resync":
            await client.resync("c1")
        elif path == "/test":
            await client.run_setup_tests("c1")
        else:
            await client.resync_tables("c1", {"s": ["t"]})
    assert route.call_count == 1
    assert sleep.waits == []


@respx.mock
async def test_no_post_is_repeated_after_a_read_timeout(client: FivetranClient) -> None:
    route = respx.post(f"{BASE}/v1/connections/c1/sync").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(Timeout):
        await client.sync("c1")
    assert route.call_count == 1


@respx.mock
async def test_no_post_is_repeated_after_the_connection_drops_mid_answer(client: FivetranClient) -> None:
    route = respx.post(f"{BASE}/v1/connections/c1/sync").mock(side_effect=httpx.RemoteProtocolError("reset"))
    with pytest.raises(ConnectError, match="broke"):
        await client.sync("c1")
    assert route.call_count == 1


@respx.mock
async def test_a_post_that_never_connected_is_sent_again(client: FivetranClient) -> None:
    route = respx.post(f"{BASE}/v1/connections/c1/sync").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json=ok())]
    )
    await client.sync("c1")
    assert route.call_count == 2


@respx.mock
async def test_patch_is_idempotent_and_retried_after_a_5xx(client: FivetranClient) -> None:
    route = respx.patch(f"{BASE}/v1/connections/c1").mock(
        side_effect=[httpx.Response(502, text="bad gateway"), httpx.Response(200, json=ok(connection("c1")))]
    )
    await client.pause("c1")
    assert route.call_count == 2


@respx.mock
async def test_get_read_timeouts_are_retried_then_raised(client: FivetranClient, sleep: FakeSleep) -> None:
    route = respx.get(f"{BASE}/v1/connections/c1").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(Timeout, match="did not answer in time"):
        await client.get_connection("c1")
    assert route.call_count == 3
