"""The Starlette app of `serve`: routes only; everything they call is built by `bot.app.build_bot`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.app import Bot
from bot.fivetran.errors import FivetranError
from bot.logs import register_settings_secrets
from bot.metrics import RECENT_SUCCESS_S, BotMetrics
from bot.web.slack_events import serves_slack_events, slack_events_route
from bot.web.webhook import fivetran_webhook_route

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]

# A probe that hangs is worse than one that fails: the orchestrator's own timeout hides which check hung.
DATABASE_PROBE_S = 3.0
FIVETRAN_PROBE_S = 10.0


async def database_check(bot: Bot) -> str:
    try:
        async with asyncio.timeout(DATABASE_PROBE_S):
            await bot.database.ping()
    except TimeoutError:
        return f"unreachable: no answer within {DATABASE_PROBE_S:.0f}s"
    except Exception as error:  # the drivers raise their own (asyncpg, sqlite3, OSError)
        # The type only: a driver's message may quote the URL, and the log has the rest.
        log.warning("readiness: database unreachable: %s", type(error).__name__)
        return f"unreachable: {type(error).__name__}"
    return "ok"


async def fivetran_check(bot: Bot, metrics: BotMetrics) -> str:
    # Any successful answer in the last few minutes proves Fivetran reachable without spending budget.
    if metrics.fivetran_recently_reachable():
        return "ok"
    try:
        async with asyncio.timeout(FIVETRAN_PROBE_S):
            await bot.cache.get(max_age=RECENT_SUCCESS_S)
    except FivetranError as error:
        return f"unreachable: {error.message}"
    except TimeoutError:
        return f"unreachable: no answer within {FIVETRAN_PROBE_S:.0f}s"
    return "ok"


def scheduler_check(bot: Bot) -> str:
    return "ok" if bot.scheduler.running else "not running"


def build_web_app(bot: Bot, *, on_startup: Hook | None = None, on_shutdown: Hook | None = None) -> Starlette:
    # Before anything can log a request: from here on no log line carries a configured secret.
    register_settings_secrets(bot.settings)
    metrics = BotMetrics.for_bot(bot)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        database, fivetran = await asyncio.gather(database_check(bot), fivetran_check(bot, metrics))
        checks = {"database": database, "fivetran": fivetran, "scheduler": scheduler_check(bot)}
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    async def metrics_route(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await bot.start()
        if on_startup is not None:
            await on_startup()
        try:
            yield
        finally:
            if on_shutdown is not None:
                await on_shutdown()
            await bot.aclose()

    secret = bot.settings.fivetran_webhook_secret
    webhook = fivetran_webhook_route(
        secret.get_secret_value() if secret else None,
        bot.alerts.deliver,
        bot.alerts.claim,
        lambda work: bot.background.spawn(work, name="webhook-alert"),
        observe=metrics.webhook,
    )
    web = Starlette(
        routes=[
            *([slack_events_route(bot.app)] if serves_slack_events(bot.settings) else []),
            webhook,
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_route, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    web.state.metrics = metrics
    return web
