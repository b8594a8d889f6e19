"""The Starlette app of `serve`: routes only; everything they call is built by `bot.app.build_bot`.

It takes what it serves as a `Served` (which `bot.app.Bot` is), so that web depends on no layer above it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.config import Settings
from bot.logs import register_settings_secrets
from bot.metrics import RECENT_SUCCESS_S, BotMetrics
from bot.scheduler.runner import DigestScheduler
from bot.services.alerts.service import AlertService
from bot.services.pipelines.snapshot import LiveSnapshots
from bot.services.runtime.background import Background
from bot.storage.db import Database
from bot.web.readiness import Check, SlackAuthCheck, database_check, fivetran_check
from bot.web.slack_events import serves_slack_events, slack_events_route
from bot.web.webhook import fivetran_webhook_routes

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]


class Served(Protocol):
    """What the routes read of the composed bot, and its lifecycle, which the lifespan drives."""

    settings: Settings
    app: AsyncApp
    slack: AsyncWebClient
    database: Database

    @property
    def cache(self) -> LiveSnapshots: ...

    @property
    def scheduler(self) -> DigestScheduler: ...

    @property
    def alerts(self) -> AlertService: ...

    background: Background
    metrics: BotMetrics

    async def start(self) -> None: ...

    async def outbox_backlog(self) -> tuple[int, float]: ...

    async def aclose(self, *, drain_seconds: float = 5.0) -> None: ...


async def outbox_check(bot: Served) -> str:
    """What is owed to Slack, for people reading /readyz (never a reason to be unready)."""
    try:
        depth, age = await bot.outbox_backlog()
    except Exception:  # the database check says why
        return "unknown"
    return "empty" if not depth else f"{depth} owed, oldest {age:.0f}s"


def webhook_secrets(settings: Settings) -> dict[str, str | None]:
    """Each source's webhook secret, by source name: the route `/fivetran/webhook/<source>` checks it."""
    return {
        a.name: a.webhook_secret.get_secret_value() if a.webhook_secret else None for a in settings.accounts()
    }


def scheduler_check(bot: Served) -> str:
    return "ok" if bot.scheduler.running else "not running"


def build_web_app(
    bot: Served,
    *,
    on_startup: Hook | None = None,
    on_shutdown: Hook | None = None,
    socket_mode: Check | None = None,
) -> Starlette:
    """`socket_mode` says how the Socket Mode connection is (serve passes it when SLACK_APP_TOKEN is set)."""
    # Before anything can log a request: from here on no log line carries a configured secret.
    register_settings_secrets(bot.settings)
    metrics = bot.metrics
    slack_check = SlackAuthCheck(bot.slack)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        probes: list[Awaitable[str]] = [
            database_check(bot.database),
            fivetran_check(
                lambda: bot.cache.get(max_age=RECENT_SUCCESS_S), metrics.fivetran_recently_reachable()
            ),
            slack_check(),
        ]
        if socket_mode is not None:
            probes.append(socket_mode())
        database, fivetran, slack, *link = await asyncio.gather(*probes)
        checks = {
            "database": database,
            "fivetran": fivetran,
            "slack": slack,
            "scheduler": scheduler_check(bot),
        }
        if link:
            checks["socket_mode"] = link[0]
        # Slack away is not the bot away: what it owes waits in the outbox. A rejected token is.
        counted = {k: v for k, v in checks.items() if k != "slack" or v == "token rejected"}
        ready = all(v == "ok" for v in counted.values())
        body = {"ready": ready, "checks": checks, "outbox": await outbox_check(bot)}
        return JSONResponse(body, status_code=200 if ready else 503)

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

    webhooks = fivetran_webhook_routes(
        webhook_secrets(bot.settings),
        bot.alerts.deliver_webhook,
        bot.alerts.claim,
        observe=metrics.webhook,
    )
    web = Starlette(
        routes=[
            *([slack_events_route(bot.app)] if serves_slack_events(bot.settings) else []),
            *webhooks,
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_route, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    web.state.metrics = metrics
    return web
