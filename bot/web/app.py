"""The Starlette app of `serve`: routes only; everything they call is built by `bot.app.build_bot`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.app import Bot
from bot.fivetran.errors import FivetranError
from bot.web.webhook import fivetran_webhook_route

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]


def build_web_app(bot: Bot, *, on_startup: Hook | None = None, on_shutdown: Hook | None = None) -> Starlette:
    handler = AsyncSlackRequestHandler(bot.app)

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        checks: dict[str, str] = {}
        try:
            await bot.cache.get(max_age=300)
            checks["fivetran"] = "ok"
        except FivetranError as error:
            checks["fivetran"] = f"unreachable: {error.message}"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

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
    )
    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            webhook,
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
