"""The bot under faults: the end-to-end harness (real web app under uvicorn, Slack double, simulator) with the
knobs resilience tests need and `tests/e2e/harness.running_bot` does not offer.

- `SlackTime`: the Slack double's clock, moved by the test (an expired `response_url` or `trigger_id`
  without waiting 30 minutes).
- `SleepLog`: the bot's sleep (Fivetran retry backoff and `Retry-After`, following a sync) recorded and
  reduced to a yield, so a 429 storm costs no wall-clock time and the test can read what was waited.
- `database_url`, `webhook_secret`, distinctive credentials (for the secret-leak checks).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr

from bot.app import build_bot
from bot.config import Settings
from bot.services.pipelines.sync_follower import FollowPolicy
from bot.simulator import ManualClock, Simulator, build_app
from bot.slack_double import SlackDouble
from tests.e2e.harness import ADMIN, BOT_TOKEN, E2E, OPERATOR, SIM_URL, Tamper, serving
from tests.simulator.aliases import watched

FAST_FOLLOW = FollowPolicy(first_delay=0.02, max_delay=0.05, give_up_after=60.0, max_consecutive_errors=20)

# Distinctive credentials: a leak of any of them is found by a plain substring search.
FIVETRAN_KEY = "ftkey-Q7dLx2mPz9"
FIVETRAN_SECRET = "ftsecret-Vb83kWq0LrT5yHn1"
WEBHOOK_SECRET = "whsecret-Mz4cR8tPq2Xv6Ja9"


class SlackTime:
    """Wall-clock time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class SleepLog:
    """The bot's sleep: records every wait and only yields."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(min(seconds, 0.005))  # a yield, not a wait; never a busy loop either


@dataclass
class Resilient:
    e2e: E2E
    slack_time: SlackTime
    sleeps: SleepLog
    signing_secret: str
    database_url: str


@contextlib.asynccontextmanager
async def resilient_bot(
    *,
    connections: int = 12,
    groups: int = 2,
    database_url: str | None = None,
    webhook_secret: str | None = None,
    follow_policy: FollowPolicy = FAST_FOLLOW,
    snapshot_ttl: float = 30.0,
    audit_channel: str | None = None,
    driven_now: bool = False,
) -> AsyncIterator[Resilient]:
    """`driven_now`: the bot's wall clock is the Slack double's (`slack_time`), so a test that moves it
    moves the outbox's backoff, leases and delay notes too."""
    signing_secret = "sign-" + secrets.token_hex(12)
    clock = ManualClock()
    sim = watched(
        Simulator(
            seed=7,
            groups=groups,
            connections=connections,
            clock=clock,
            api_key=FIVETRAN_KEY,
            api_secret=FIVETRAN_SECRET,
        )
    )
    tamper = Tamper(build_app(sim))
    slack_time = SlackTime()
    sleeps = SleepLog()
    async with contextlib.AsyncExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="hvr-resilience-"))
        double = await stack.enter_async_context(SlackDouble(bot_token=BOT_TOKEN, clock=slack_time))
        stack.push_async_callback(sim.aclose)
        fivetran_http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=tamper))
        )
        url = database_url or f"sqlite+aiosqlite:///{scratch}/hvr-bot.db"
        settings = Settings(
            _env_file=None,
            slack_bot_token=SecretStr(BOT_TOKEN),
            slack_signing_secret=SecretStr(signing_secret),
            slack_app_token=None,
            slack_api_url=double.api_url,
            fivetran_api_key=SecretStr(FIVETRAN_KEY),
            fivetran_api_secret=SecretStr(FIVETRAN_SECRET),
            fivetran_webhook_secret=SecretStr(webhook_secret) if webhook_secret else None,
            hvr_admins=[ADMIN],
            hvr_operators=[OPERATOR],
            hvr_allowed_channels=[],
            hvr_read_only=False,
            hvr_audit_channel=audit_channel,
            hvr_resync_approval=False,
            hvr_watch_interval=0,  # polls are driven by the tests (watcher.poll_once)
            database_url=url,
        )
        bot = build_bot(
            settings,
            fivetran_http=fivetran_http,
            fivetran_base_url=SIM_URL,
            sleep=sleeps,
            follow_policy=follow_policy,
            snapshot_ttl=snapshot_ttl,
            now=(lambda: datetime.fromtimestamp(slack_time(), UTC))
            if driven_now
            else (lambda: datetime.now(UTC)),
        )
        async with serving(
            bot, double=double, sim=sim, clock=clock, signing_secret=signing_secret, tamper=tamper
        ) as e2e:
            yield Resilient(e2e, slack_time, sleeps, signing_secret, url)
