"""A schema reload that takes minutes: "still reloading" after a few seconds, then the result in its
place; never cut off by the command's patience."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.blocks import ids
from bot.fivetran.client import RELOAD_TIMEOUT, FivetranClient
from bot.fivetran.retry import RetryPolicy
from bot.fivetran.transport import Transport
from bot.services.governance.access import Actor
from bot.services.pipelines.actions import ConnectorActions
from bot.services.runtime.background import Background
from bot.slack.router import Router
from tests.blocks.factory import NOW
from tests.fakes import FakeClock
from tests.fakes.deps import only
from tests.fivetran.conftest import connection as connection_body
from tests.fivetran.conftest import schema_config
from tests.integration.conftest import RecordingResponder
from tests.slack.doubles import Audits, Cache, Once, Roles

CID = "decidedly_conventional"


class SlowSource(httpx.AsyncBaseTransport):
    """Fivetran, whose schema reload answers only when the test says so."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.reloads: list[httpx.Request] = []
        self.status = 200
        self.body: dict[str, Any] = {"code": "Success", "message": "Schema reloaded", "data": schema_config()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/schemas/reload"):
            self.reloads.append(request)
            await self.release.wait()
            return httpx.Response(self.status, json=self.body)
        return httpx.Response(200, json={"code": "Success", "data": connection_body(CID)})


class Notice:
    """A timer that fires when the test says so."""

    def __init__(self) -> None:
        self.fire = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        await self.fire.wait()


@dataclass
class Rig:
    source: SlowSource
    router: Router
    notice: Notice
    audits: Audits
    background: Background
    patience: FakeClock

    async def press(self) -> tuple[RecordingResponder, asyncio.Task[None]]:
        out = RecordingResponder()
        pressed = self.router.action(ids.aid(ids.RELOAD_SCHEMAS), CID, Actor("U1", "C1"), out)
        return out, asyncio.create_task(pressed)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    source, notice, audits, background, patience = SlowSource(), Notice(), Audits(), Background(), FakeClock()
    async with httpx.AsyncClient(transport=source) as http:
        transport = Transport(
            http, api_key="k", api_secret="s", base_url="http://fivetran", retry=RetryPolicy(max_attempts=1)
        )
        client = FivetranClient(transport)
        deps = only(
            cache=Cache(),
            actions=ConnectorActions(client, Cache()),
            policy=Roles(),
            dedupe=Once(),
            auditor=audits,
            background=background,
            sleep=notice,
            now=lambda: NOW,
        )
        router = Router(deps, sleep=Notice(), patience_clock=patience.timestamp)
        yield Rig(source, router, notice, audits, background, patience)
        source.release.set()
        await background.drain(5)


async def _settle() -> None:
    for _ in range(30):
        await asyncio.sleep(0)


async def test_a_slow_reload_says_it_is_still_running_then_answers_in_its_place(rig: Rig) -> None:
    out, pressed = await rig.press()
    await _settle()
    assert out.replies == [] and len(rig.source.reloads) == 1
    rig.notice.fire.set()  # a few seconds pass with the source still being read
    await pressed  # the person has their answer: the button's turn is over
    assert [r.message.text for r in out.replies] == [out.replies[0].message.text]
    assert "Still reloading the schema config of *salesforce_prod*" in out.replies[0].message.text
    rig.patience.advance(600)  # minutes pass: the command's patience would have run out long ago
    rig.source.release.set()
    assert await rig.background.drain(5)
    schemas, announced = out.replies[1:]
    assert schemas.replace and "Schemas of salesforce_prod" in schemas.message.text + str(
        schemas.message.blocks
    )
    assert announced.in_channel and "reloaded the schema config of" in announced.message.text
    assert [e[:2] for e in rig.audits.entries] == [
        ("reload_schemas", "started"),
        ("reload_schemas", "succeeded"),
    ]


async def test_the_reload_is_waited_for_as_long_as_a_reload_takes(rig: Rig) -> None:
    _, pressed = await rig.press()
    await _settle()
    (request,) = rig.source.reloads
    # not cut to what a command may wait (45 s): the reload's own timeout
    assert request.extensions["timeout"]["read"] == RELOAD_TIMEOUT.read
    assert json.loads(request.content) == {"exclude_mode": "PRESERVE"}
    rig.notice.fire.set()
    await pressed


async def test_a_quick_reload_answers_at_once_without_a_notice(rig: Rig) -> None:
    rig.source.release.set()
    out, pressed = await rig.press()
    await pressed
    texts = [r.message.text for r in out.replies]
    assert len(texts) == 2 and not any("Still reloading" in t for t in texts)
    assert out.replies[0].replace and out.replies[1].in_channel


async def test_a_second_reload_while_one_runs_is_not_sent(rig: Rig) -> None:
    first, pressed = await rig.press()
    await _settle()
    rig.notice.fire.set()
    await pressed
    again, pressed_again = await rig.press()
    await pressed_again
    assert "is being reloaded already" in again.replies[-1].message.text
    assert len(rig.source.reloads) == 1
    rig.source.release.set()
    assert await rig.background.drain(5)
    assert "reloaded the schema config of" in first.replies[-1].message.text


async def test_a_refused_reload_says_why_after_the_notice(rig: Rig) -> None:
    rig.source.status, rig.source.body = 400, {"code": "InvalidInput", "message": "Connection is broken"}
    out, pressed = await rig.press()
    await _settle()
    rig.notice.fire.set()
    await pressed
    rig.source.release.set()
    assert await rig.background.drain(5)
    refused = out.replies[-1]
    assert not refused.in_channel
    assert "Could not reload the schema config of" in refused.message.text
    assert "Connection is broken" in refused.message.text
    assert rig.audits.entries[-1][:2] == ("reload_schemas", "failed")
