"""The bot's services and views over the simulator, with time driven by the test.

The follower's sleep advances the clock the simulator runs on, so a sync that takes ten simulated minutes is
followed to its end in milliseconds, deterministically.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.app import Bot, build_bot
from bot.blocks.message import Message
from bot.config import Settings
from bot.services.governance.access import Actor
from bot.services.runtime.posting import MessageRef
from bot.simulator import Simulator, build_app
from bot.slack_double import SlackDouble
from bot.slack_double.store import Message as Posted
from tests.fakes import FakeClock, FakeSleep
from tests.simulator.aliases import watched

ADMIN, OPERATOR, VIEWER = "UADMIN001", "UOPER0001", "UVIEW0001"
CHANNEL = "CTEST0001"


@dataclass
class Reply:
    message: Message
    replace: bool
    in_channel: bool


@dataclass
class RecordingResponder:
    """Everything the router said, in order: replies (response_url), posts and in-place updates."""

    replies: list[Reply] = field(default_factory=list)
    posts: list[Message] = field(default_factory=list)
    updates: list[tuple[MessageRef, Message]] = field(default_factory=list)
    can_post: bool = True

    async def reply(self, message: Message, *, replace: bool = False, in_channel: bool = False) -> None:
        self.replies.append(Reply(message, replace, in_channel))

    async def post(self, message: Message) -> MessageRef | None:
        if not self.can_post:
            return None
        self.posts.append(message)
        return MessageRef(CHANNEL, f"1700000000.{len(self.posts):06d}")

    async def update(self, ref: MessageRef, message: Message) -> None:
        self.updates.append((ref, message))

    @property
    def last(self) -> Message:
        return self.replies[-1].message

    def texts(self) -> list[str]:
        return [r.message.text for r in self.replies]


@dataclass
class World:
    sim: Simulator
    clock: FakeClock
    bot: Bot
    double: SlackDouble  # where what the bot owes the channel (a followed sync's message) is delivered

    async def channel(self) -> list[Posted]:
        """The channel's messages once everything owed to it went out through the outbox."""
        await self.bot.background.drain()
        assert await self.bot.outbox_delivered(10.0)
        return [m for m in self.double.messages(CHANNEL) if not m.ephemeral]

    async def say(self, text: str, user: str = ADMIN) -> RecordingResponder:
        out = RecordingResponder()
        await self.bot.router.command(text, Actor(user, CHANNEL), out)
        return out

    async def click(self, action_id: str, value: str, user: str = ADMIN) -> RecordingResponder:
        out = RecordingResponder()
        await self.bot.router.action(action_id, value, Actor(user, CHANNEL), out)
        return out

    def id_of(self, name: str) -> str:
        return next(cid for cid, c in self.sim.connections.items() if c.schema == name)

    def by_health(self, health: str) -> str:
        snapshot = self.bot.cache.peek()
        assert snapshot is not None
        return next(cid for cid, h in snapshot.health.items() if h.value == health)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    sim = watched(Simulator(seed=11, groups=3, connections=40, clock=clock))
    sleep = FakeSleep(clock)  # following a sync moves the simulator's time, not the wall clock
    double = SlackDouble(bot_token="xoxb-test")
    await double.start()
    settings = Settings(
        slack_api_url=double.api_url,
        fivetran_api_key="demo",
        fivetran_api_secret="demo",
        slack_bot_token="xoxb-test",
        slack_signing_secret="test-secret",
        hvr_admins=[ADMIN],
        hvr_operators=[OPERATOR],
        database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(sim))) as http:
        bot = build_bot(
            settings,
            fivetran_http=http,
            fivetran_base_url="http://simulator",
            sleep=sleep,
            now=clock,
            clock=clock.timestamp,
        )
        await bot.start(jobs=False)  # no scheduler or poller racing the test for the simulator
        await bot.cache.get()
        yield World(sim, clock, bot, double)
        await bot.aclose(drain_seconds=0)
    await double.stop()
