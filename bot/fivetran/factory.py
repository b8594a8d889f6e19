"""Building a client for one Fivetran account: the one place that reads credentials out of their SecretStr.

Each account gets a client of its own: its own `Transport` (its credentials on every request, nobody
else's) and its own `RequestBudget` (its hourly limit, its `X-Rate-Limit-Remaining`). Only the HTTP
connection pool may be shared.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from bot.config import FivetranAccount
from bot.fivetran.budget import RequestBudget
from bot.fivetran.client import FivetranClient
from bot.fivetran.retry import RetryPolicy
from bot.fivetran.transport import Transport


def client_for_account(
    account: FivetranAccount,
    http: httpx.AsyncClient,
    *,
    base_url: str | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> FivetranClient:
    """`sleep` and `clock` are what the budget and the retries wait with and measure by (a test drives
    both, so that an hour of pacing costs no real time)."""
    transport = Transport(
        http,
        api_key=account.api_key.get_secret_value(),
        api_secret=account.api_secret.get_secret_value(),
        base_url=base_url or account.api_url,
        retry=retry,
        budget=RequestBudget(account.hourly_limit, clock=clock, sleep=sleep),
        sleep=sleep,
        clock=clock,
    )
    return FivetranClient(transport)
