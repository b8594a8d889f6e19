"""`hvr-bot serve`: the web app under uvicorn, plus Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import uvicorn
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette

from bot.config import ConfigurationError, Settings, load_settings
from bot.logs import configure_logging, register_settings_secrets
from bot.storage.db import mask_url
from bot.storage.migrate import SchemaError
from bot.web.app import Served, build_web_app
from bot.web.request_deadline import with_request_timeout

if TYPE_CHECKING:
    from bot.web.socket_link import SocketModeLink

log = logging.getLogger(__name__)

# On SIGTERM uvicorn stops accepting at once, then waits this long for requests under way (an ack is due
# within 3 s; a slow one is a Fivetran call) before the lifespan stops the scheduler and drains the rest.
# Kubernetes' default grace period is 30 s: this plus Bot.aclose's drain stays inside it.
GRACEFUL_SHUTDOWN_S = 15


def run_serve(args: argparse.Namespace, build: Callable[[Settings], Served]) -> int:
    """`build` is the composition root's `build_bot`, passed in by the cli so that web never imports it."""
    configure_logging()
    try:
        settings = load_settings()
    except ConfigurationError as error:
        _print_problems(error.problems)
        return 1
    register_settings_secrets(settings)
    problems = settings.problems("serve")
    if problems:
        _print_problems(problems)
        return 1
    host = args.host or settings.host
    port = args.port or settings.port
    return asyncio.run(_serve(settings, host, port, build))


def _print_problems(problems: list[str]) -> None:
    print("hvr-bot serve cannot start:")
    for problem in problems:
        print(f"  ✗ {problem}")


async def _serve(settings: Settings, host: str, port: int, build: Callable[[Settings], Served]) -> int:
    bot = build(settings)
    try:
        await bot.start()
    except SchemaError as error:
        _print_problems([str(error)])
        await bot.aclose(drain_seconds=0)
        return 1
    except (OSError, SQLAlchemyError) as error:
        _print_problems(
            [
                f"The database at {mask_url(settings.database_url)} can't be reached: {type(error).__name__}. Check DATABASE_URL and that the server is up."
            ]
        )
        await bot.aclose(drain_seconds=0)
        return 1
    link: SocketModeLink | None = None
    if settings.slack_app_token is not None:
        # Socket Mode's client and Bolt's adapter only when it is asked for (issue 22: memory).
        from bot.web.socket_link import SocketModeLink

        link = SocketModeLink(bot.app, settings.slack_app_token.get_secret_value())

    async def started() -> None:
        if link is not None:
            link.start()  # in the background: the HTTP port opens whether or not Slack can be reached

    async def stopping() -> None:
        if link is not None:
            await link.close()

    web = build_web_app(
        bot, on_startup=started, on_shutdown=stopping, socket_mode=link.status if link is not None else None
    )
    server = uvicorn.Server(server_config(web, settings, host, port))
    log.info("serving on http://%s:%d (Slack events at /slack/events)", host, port)
    await server.serve()
    return 0


def server_config(web: Starlette, settings: Settings, host: str, port: int) -> uvicorn.Config:
    """uvicorn as `serve` runs it: bounded in time and in connections, whatever clients do."""
    return uvicorn.Config(
        web,
        host=host,
        port=port,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        # A request must arrive whole within this; uvicorn itself has no header or body timeout.
        http=with_request_timeout(settings.hvr_request_timeout),
        timeout_keep_alive=settings.hvr_keep_alive_timeout,
        # Past this many open connections (or requests under way) uvicorn answers 503 at once.
        limit_concurrency=settings.hvr_max_connections,
    )
