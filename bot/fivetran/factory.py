"""Building the client from Settings: the one place that reads credentials out of their SecretStr."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from bot.config import Settings
from bot.fivetran.budget import RequestBudget
from bot.fivetran.client import FivetranClient
from bot.fivetran.retry import RetryPolicy
from bot.fivetran.transport import Transport


def client_from_settings(
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    base_url: str | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> FivetranClient:
    key = settings.fivetran_api_key.get_secret_value() if settings.fivetran_api_key else ""
    secret = settings.fivetran_api_secret.get_secret_value() if settings.fivetran_api_secret else ""
    transport = Transport(
        http,
        api_key=key,
        api_secret=secret,
        base_url=base_url or settings.fivetran_api_url,
        retry=retry,
        budget=RequestBudget(settings.fivetran_hourly_limit, sleep=sleep),
        sleep=sleep,
    )
    return FivetranClient(transport)
