"""A command that waits on Fivetran says so after a few seconds, once; a quick one says nothing extra."""

from __future__ import annotations

import asyncio

from bot.fivetran.patience import current
from bot.services.governance.access import Actor, Role
from bot.services.pipelines.kinds import FIVETRAN_ONLY, SourceKinds
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.slack.router import STILL_WAITING, Router
from tests.blocks.factory import NOW, snapshot
from tests.fakes.deps import only
from tests.fakes.replies import Replies


class SlowFivetran:
    """A snapshot cache whose fetch is a Fivetran request in flight until the test lets it answer."""

    def __init__(self) -> None:
        self.answer = asyncio.Event()

    async def get(self) -> AccountSnapshot:
        bound = current()
        assert bound is not None, "the command runs inside its patience"
        bound.waiting += 1  # as the transport does around a request
        try:
            await self.answer.wait()
        finally:
            bound.waiting -= 1
        return snapshot()


class Viewer:
    async def check(self, actor: Actor, action: str) -> Role:
        return Role.VIEWER


class ManualSleep:
    """The router's notice timer: it fires when the test says so."""

    def __init__(self) -> None:
        self.fire = asyncio.Event()
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self.fire.wait()


def _router(cache: SlowFivetran, sleep: ManualSleep, configured: SourceKinds = FIVETRAN_ONLY) -> Router:
    deps = only(
        cache=cache,
        policy=Viewer(),
        now=lambda: NOW,
        configured=configured,
    )
    return Router(deps, sleep=sleep)


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_slow_fivetran_gets_one_still_waiting_notice_then_the_answer() -> None:
    cache, sleep, out = SlowFivetran(), ManualSleep(), Replies()
    command = asyncio.create_task(_router(cache, sleep).command("list", Actor("U1", "C1"), out))
    await _settle()
    sleep.fire.set()  # 3 s pass with Fivetran still silent
    await _settle()
    assert out.texts == [STILL_WAITING]
    cache.answer.set()
    await command
    assert sleep.asked == [3.0]
    assert out.texts[0] == STILL_WAITING and len(out.texts) == 2
    assert STILL_WAITING not in out.texts[1]


async def test_an_answer_within_the_first_seconds_comes_with_no_notice() -> None:
    cache, sleep, out = SlowFivetran(), ManualSleep(), Replies()
    cache.answer.set()
    await _router(cache, sleep).command("list", Actor("U1", "C1"), out)
    sleep.fire.set()
    await _settle()
    assert len(out.texts) == 1 and STILL_WAITING not in out.texts


async def test_a_slow_hub_on_a_bot_without_fivetran_is_named_in_the_notice() -> None:
    cache, sleep, out = SlowFivetran(), ManualSleep(), Replies()
    hub_only = SourceKinds(accounts=(), hubs=("east",))
    command = asyncio.create_task(_router(cache, sleep, hub_only).command("list", Actor("U1", "C1"), out))
    await _settle()
    sleep.fire.set()
    await _settle()
    assert out.texts == ["Still waiting for the HVR hub east…"]
    cache.answer.set()
    await command
