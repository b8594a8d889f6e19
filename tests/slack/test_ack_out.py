"""Acks first (bot/slack/ack_out.py): a listener's work waits while other Slack requests still wait for their
acks, through Bolt's real async runner and the HTTP edge (`slack_events_route`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from starlette.applications import Starlette
from starlette.types import Message, Receive, Scope, Send

from bot.slack.ack_out import ACKS, WAIT_LIMIT_S, acks_first, edge_acks
from bot.slack_double.inbound import sign
from bot.web.slack_events import slack_events_route

SECRET = "ack-out-test-secret"
LATE_ACK_S = 0.05  # the slow request's listener acks this late: the other's work must wait for it

Wait = Callable[[AsyncBoltContext], Awaitable[None]]


async def _authorize(**_: Any) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None, team_id="T0TEST", bot_token="xoxb-test", bot_user_id="U0BOT", bot_id="B0BOT"
    )


async def _no_wait(_: AsyncBoltContext) -> None:
    return None


def _app(order: list[str], wait: Wait) -> Any:
    bolt = AsyncApp(signing_secret=SECRET, authorize=_authorize, process_before_response=False)

    @bolt.command("/hvr")
    async def on_command(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        text = str(body.get("text"))
        if text == "slow":
            await asyncio.sleep(LATE_ACK_S)  # a listener busy before its ack (Bolt waits up to 3 s)
        await ack()
        await wait(context)
        # what follows the ack without a wait of its own (a cached list's render)
        order.append(f"work {text}")

    web = Starlette(routes=[slack_events_route(bolt)])

    async def recorded(scope: Scope, receive: Receive, send: Send) -> None:
        name = dict(scope["headers"]).get(b"x-test-name", b"").decode()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                order.append(f"ack {name}")
            await send(message)

        await web(scope, receive, sending)

    return recorded


async def _slash(client: httpx.AsyncClient, text: str, *, held: asyncio.Event | None = None) -> int:
    """`held`: the body's second half is sent once it is set (a client slow to send)."""
    body = urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T0TEST",
            "team_domain": "acme",
            "channel_id": "C0TEST",
            "channel_name": "data",
            "user_id": "U0TEST",
            "user_name": "ada",
            "command": "/hvr",
            "text": text,
            "api_app_id": "A0TEST",
            "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/T0TEST/1/abc",
            "trigger_id": "1.2.abc",
        }
    ).encode()
    stamp = str(int(time.time()))
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": sign(SECRET, stamp, body),
        "x-test-name": text,
    }
    if held is None:
        answer = await client.post("/slack/events", content=body, headers=headers)
        return answer.status_code

    async def slowly() -> AsyncIterator[bytes]:
        yield body[: len(body) // 2]
        await held.wait()
        yield body[len(body) // 2 :]

    headers["content-length"] = str(len(body))
    answer = await client.post("/slack/events", content=slowly(), headers=headers)
    return answer.status_code


async def _burst(wait: Wait) -> list[str]:
    order: list[str] = []
    transport = httpx.ASGITransport(app=_app(order, wait))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        answers = await asyncio.gather(_slash(client, "list"), _slash(client, "slow"))
    assert list(answers) == [200, 200]
    for _ in range(100):
        if len(order) == 4:
            break
        await asyncio.sleep(0.005)
    return order


async def test_a_listener_works_once_every_request_in_flight_has_its_ack() -> None:
    order = await _burst(acks_first)
    assert order.index("work list") > order.index("ack slow") > order.index("ack list")


async def test_without_the_wait_the_work_runs_before_the_other_request_is_acked() -> None:
    # The order a burst suffered from: Bolt's runner sees an ack only at its next 10 ms poll, and the
    # listener's work after ack() has run by then, ahead of every request still to be acked.
    order = await _burst(_no_wait)
    assert order.index("work list") < order.index("ack slow")


async def test_with_nothing_awaited_the_work_goes_on_at_once() -> None:
    await asyncio.wait_for(acks_first({ACKS: edge_acks()}), 0.5)


async def test_the_work_goes_on_when_the_last_request_awaited_is_answered() -> None:
    acks = edge_acks()
    went_on: list[int] = []

    async def listener() -> None:
        await acks_first({ACKS: acks})
        went_on.append(acks.active)

    with acks.busy():
        with acks.busy():
            task = asyncio.create_task(listener())
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)
        assert went_on == []  # one still awaited
    await asyncio.wait_for(task, 0.5)
    assert went_on == [0]


async def test_a_request_never_answered_holds_the_work_no_longer_than_the_limit() -> None:
    acks = edge_acks()
    with acks.busy():
        started = time.monotonic()
        await acks_first({ACKS: acks})
        assert WAIT_LIMIT_S * 0.8 <= time.monotonic() - started < WAIT_LIMIT_S + 0.5


async def test_without_an_edge_nothing_is_waited_for() -> None:
    # Socket Mode acks over its own connection: nothing in the context.
    await asyncio.wait_for(acks_first({}), 0.5)


def test_one_edge_serves_listeners_of_different_loops() -> None:
    # The web app (and its edge) may outlive a loop (tests, a restarted runner).
    acks = edge_acks()

    async def once() -> None:
        with acks.busy():
            waiting = asyncio.create_task(acks_first({ACKS: acks}))
            await asyncio.sleep(0.01)
        await asyncio.wait_for(waiting, 0.5)

    asyncio.run(once())
    asyncio.run(once())


async def test_a_client_slow_to_send_its_body_holds_no_one_s_work() -> None:
    # Counted from a read body on: a slow (or hostile) client must not delay every answer by the limit.
    awaited: list[int] = []
    bolt = AsyncApp(signing_secret=SECRET, authorize=_authorize, process_before_response=False)

    @bolt.command("/hvr")
    async def on_command(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        awaited.append(context[ACKS].active)  # this request's own dispatch, and none other
        await acks_first(context)

    transport = httpx.ASGITransport(app=Starlette(routes=[slack_events_route(bolt)]))
    held = asyncio.Event()
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        slow = asyncio.create_task(_slash(client, "slow", held=held))
        await asyncio.sleep(0.02)  # its first half is in, the rest held back
        assert await _slash(client, "list") == 200
        assert awaited == [1]
        held.set()
        assert await slow == 200
