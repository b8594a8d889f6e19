"""The bot built in this process (`build_bot` + the web app of `serve` under uvicorn on loopback), for the
benchmarks that need its insides: digest fan-out moves the bot's clock to the minute the digests are due
instead of waiting for it, and listing drops the cached snapshot between runs (`cache.invalidate()`)
instead of restarting a process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from pydantic import SecretStr

from bench.procs import API_KEY, API_SECRET, BOT_TOKEN
from bench.slack import ADMIN
from bot.app import Bot, build_bot
from bot.config import Settings
from bot.web.app import build_web_app

# Alembic's migration context is process-global: two bots migrating at once (a smoke run starts
# benchmarks together) would trip over each other.
_MIGRATING = asyncio.Lock()


class ShiftedClock:
    """The wall clock moved by `offset`: what the bot believes the time is."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, at: datetime) -> None:
        self.offset = at - datetime.now(UTC)


@contextlib.asynccontextmanager
async def inprocess_bot(
    workdir: Path, *, sim_url: str, slack_api_url: str, signing_secret: str, now: ShiftedClock | None = None
) -> AsyncIterator[tuple[Bot, str]]:
    now = now or ShiftedClock()
    settings = Settings(
        _env_file=None,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(signing_secret),
        slack_app_token=None,
        slack_api_url=slack_api_url,
        fivetran_api_key=SecretStr(API_KEY),
        fivetran_api_secret=SecretStr(API_SECRET),
        fivetran_api_url=sim_url,
        hvr_admins=[ADMIN],
        hvr_operators=[],
        hvr_allowed_channels=[],
        hvr_read_only=False,
        hvr_audit_channel=None,
        hvr_resync_approval=False,
        hvr_watch_interval=0,
        database_url=f"sqlite+aiosqlite:///{workdir}/inproc-{id(now)}.db",
    )
    bot = build_bot(settings, now=now)
    # Without the jobs: the benchmark plays the timer itself, at the bot's shifted time.
    async with _MIGRATING:
        await bot.start(jobs=False)
    server = uvicorn.Server(
        uvicorn.Config(build_web_app(bot), host="127.0.0.1", port=0, lifespan="on", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield bot, f"http://127.0.0.1:{port}"
    finally:
        await bot.background.cancel_all()
        server.should_exit = True
        try:
            await asyncio.wait_for(task, 30.0)
        except TimeoutError:
            task.cancel()
