"""Governance over the real router: roles, channel policy, read-only mode, audit, approvals, bulk, Home.

Each test builds the bot with `build_bot` over the simulator (in process, through httpx's ASGI transport)
and the Slack Web API double (on loopback), on a SQLite file copied from a template migrated once per
session. Time is the integration suite's: sleeping moves the clock the simulator runs on, so Retry-After
and budget waits cost nothing. Commands and buttons go straight into `Router.command` / `Router.action`
with a `RecordingResponder`, the fastest way to drive them; what the bot posts on its own (audit mirror,
Home tab) lands in the double.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.app import Bot, build_bot
from bot.blocks.message import Message
from bot.config import Settings
from bot.services.governance.access import Actor
from bot.services.governance.dedupe import Dedupe
from bot.simulator import Simulator, build_app
from bot.slack_double import SlackDouble
from tests.db_fixtures import (  # noqa: F401 - fixtures
    database_url,
    postgres_server,
    postgres_template,
    postgres_url,
    sqlite_template,
)
from tests.fakes import FakeClock, FakeSleep
from tests.integration.conftest import ADMIN, CHANNEL, OPERATOR, VIEWER, RecordingResponder
from tests.simulator.aliases import watched

__all__ = ["ADMIN", "CHANNEL", "OPERATOR", "VIEWER", "Gov", "RecordingResponder"]

ADMIN2 = "UADMIN002"
OUTSIDER_CHANNEL = "COUTSIDE01"
AUDIT_CHANNEL = "CAUDIT0001"
BOT_TOKEN = "xoxb-governance"
SETTLE_GUARD_S = 120.0  # a guard against a hang, never a measure

# What any view may cost: the account snapshot (groups and connection pages). Everything else a command
# sends to Fivetran happens only once the person was allowed.
SNAPSHOT_OPERATIONS = frozenset({"GET /v1/groups", "GET /v1/connections"})


def text_of(message: Message) -> str:
    """Everything a person reads in a message: its fallback text and every text in its blocks."""
    parts = [message.text]

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(message.blocks)
    return "\n".join(parts)


def buttons_of(message: Message) -> list[dict[str, Any]]:
    """Every button of a message, in actions blocks and as section accessories."""
    found: list[dict[str, Any]] = []
    for block in message.blocks:
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        found += [e for e in elements if isinstance(e, dict) and e.get("type") == "button"]
    return found


def is_refusal(message: Message) -> bool:
    return message.text.startswith(":lock:")


@dataclass(frozen=True)
class Target:
    """A healthy connector (not paused, not syncing, its name unique) and a table of it that may be
    switched on and off."""

    id: str
    name: str
    schema: str
    table: str


@dataclass(frozen=True)
class Targets:
    """Connectors of the generated account the tests act on: two of each kind, so that two people can
    each act on their own without one's change (or the duplicate-request window) getting in the other's
    way."""

    healthy: tuple[Target, Target]
    paused: tuple[str, str]
    group_id: str
    group_name: str


def _target(sim: Simulator, connection_id: str) -> Target:
    schemas = sim.schema_config(connection_id)["schemas"]
    schema, table = next(
        (s, t)
        for s, config in schemas.items()
        for t, tconfig in config["tables"].items()
        if tconfig["enabled_patch_settings"]["allowed"]
    )
    return Target(connection_id, sim.connections[connection_id].schema, schema, table)


def pick_targets(sim: Simulator) -> Targets:
    names = Counter(c.schema for c in sim.connections.values())
    healthy = [
        c.id
        for c in sim.connections.values()
        if c.generated_health == "healthy" and c.run is None and not c.paused and names[c.schema] == 1
    ]
    paused = [c.id for c in sim.connections.values() if c.paused and c.run is None]
    group = sim.groups[sim.connections[healthy[0]].group_id]
    return Targets(
        (_target(sim, healthy[0]), _target(sim, healthy[1])), (paused[0], paused[1]), group.id, group.name
    )


@dataclass
class Gov:
    sim: Simulator
    clock: FakeClock
    sleep: FakeSleep
    bot: Bot
    double: SlackDouble
    t: Targets

    async def say(
        self, text: str, user: str = ADMIN, *, channel: str = CHANNEL, confirmed: bool = False
    ) -> RecordingResponder:
        out = RecordingResponder()
        await self.bot.router.command(text, Actor(user, channel), out, confirmed=confirmed)
        return out

    async def click(
        self, action_id: str, value: str, user: str = ADMIN, *, channel: str = CHANNEL
    ) -> RecordingResponder:
        out = RecordingResponder()
        await self.bot.router.action(action_id, value, Actor(user, channel), out)
        return out

    def operations(self) -> Counter[str]:
        return Counter(self.sim.requests_by_operation)

    def sent_since(
        self, before: Counter[str], *, ignore: Iterable[str] = SNAPSHOT_OPERATIONS
    ) -> Counter[str]:
        """Fivetran operations sent after `before` was taken, snapshot reads left out."""
        delta = self.operations() - before
        for operation in ignore:
            delta.pop(operation, None)
        return delta

    async def settle(self) -> None:
        """Waits for background work (a bulk run, a followed sync) to finish. The work is finite (its
        waits are on the test's clock), so the limit only turns a hang into a failure: a 500-connector
        run takes ~6 s of real time alone and more than 10 on one loaded core."""
        assert await self.bot.background.drain(SETTLE_GUARD_S), "background work did not finish"


MakeGov = Callable[..., Awaitable[Gov]]


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """A directory for SQLite files, in memory when the machine has /dev/shm: every commit fsyncs, and a
    few milliseconds an fsync add up to most of this suite's time on a disk."""
    if not os.path.isdir("/dev/shm"):
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="hvr-governance-", dir="/dev/shm"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
async def make_gov(scratch: Path, request: pytest.FixtureRequest) -> AsyncIterator[MakeGov]:
    """Builds a bot; keyword arguments go to Settings (`hvr_read_only=True` …) except `connections`,
    `groups`, `seed` (the simulated account), `database_url` (defaults to a fresh SQLite copy of a migrated
    template) and `start` (run `Bot.start`, as `serve` does: schema check, interrupted bulk runs)."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(
            *,
            connections: int = 40,
            groups: int = 3,
            seed: int = 11,
            database_url: str | None = None,
            start: bool = False,
            dedupe: Callable[[FakeClock], Dedupe] | None = None,
            **overrides: Any,
        ) -> Gov:
            if database_url is None:
                path = scratch / f"bot-{uuid.uuid4().hex[:6]}.db"
                shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
                database_url = f"sqlite+aiosqlite:///{path}"
            clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
            sim = watched(Simulator(seed=seed, groups=groups, connections=connections, clock=clock))
            sleep = FakeSleep(clock)
            double = await stack.enter_async_context(SlackDouble(bot_token=BOT_TOKEN))
            values: dict[str, Any] = {
                "slack_bot_token": SecretStr(BOT_TOKEN),
                "slack_signing_secret": SecretStr("governance-secret"),
                "slack_app_token": None,
                "slack_api_url": double.api_url,
                "fivetran_api_key": SecretStr("demo"),
                "fivetran_api_secret": SecretStr("demo"),
                "hvr_admins": [ADMIN, ADMIN2],
                "hvr_operators": [OPERATOR],
                "hvr_allowed_channels": [],
                "hvr_read_only": False,
                "hvr_audit_channel": None,
                "hvr_resync_approval": False,
                "hvr_watch_interval": 0,
                "database_url": database_url,
                **overrides,
            }
            settings = Settings(_env_file=None, **values)
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(sim)))
            )
            # Built on a worker thread: Bolt's AsyncApp names itself with `inspect.stack()`, which costs
            # ~40 ms under pytest's deep stack and next to nothing on a fresh thread's.
            bot = await asyncio.to_thread(
                functools.partial(
                    build_bot,
                    settings,
                    fivetran_http=http,
                    fivetran_base_url="http://simulator",
                    sleep=sleep,
                    now=clock,
                    clock=clock.timestamp,
                    dedupe=dedupe(clock) if dedupe is not None else None,
                )
            )
            if start:  # the template is migrated already; start() matters for what a restart picks up
                await bot.start(jobs=False)
            stack.push_async_callback(bot.aclose, drain_seconds=0)
            await bot.cache.get()
            return Gov(sim, clock, sleep, bot, double, pick_targets(sim))

        yield make


@pytest.fixture
async def gov(make_gov: MakeGov) -> Gov:
    """The bot with two admins, an operator, a 40-connector account and no channel or read-only limits."""
    return await make_gov()
