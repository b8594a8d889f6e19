"""What `/readyz` asks: each dependency answers "ok" or a few fixed words saying what is wrong.

`/readyz` is unauthenticated, so no check ever quotes text from outside (a driver's message, Fivetran's
error `message`, Slack's answer): an upstream that echoes the request's Authorization header would
otherwise publish the credentials. The words are chosen from the error's type or status only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.fivetran.errors import (
    ConnectError,
    DecodeError,
    FivetranError,
    Forbidden,
    RateLimited,
    StatusError,
    Timeout,
    TransportError,
    Unauthorized,
)
from bot.storage.db import Database, DatabaseFileMissing, is_read_only_error

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Check = Callable[[], Awaitable[str]]

# A probe that hangs is worse than one that fails: the orchestrator's own timeout hides which check hung.
DATABASE_PROBE_S = 3.0
FIVETRAN_PROBE_S = 10.0
SLACK_PROBE_S = 5.0
# auth.test is cheap but probes come every few seconds from every replica: a good answer holds a minute
# (a revoked token shows within it), a bad one a few seconds (a restored token shows quickly).
SLACK_OK_FOR_S = 60.0
SLACK_FAILED_FOR_S = 5.0

# Slack's error codes that mean the token itself is no good (revoked, uninstalled, wrong).
_TOKEN_REJECTED = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "no_permission"}
)


async def database_check(database: Database) -> str:
    try:
        async with asyncio.timeout(DATABASE_PROBE_S):
            await database.check_writable()
    except TimeoutError:
        return f"unreachable: no answer within {DATABASE_PROBE_S:.0f}s"
    except DatabaseFileMissing:
        log.warning("readiness: the SQLite database file is gone from %s", database.url.database)
        return "file missing"
    except Exception as error:  # the drivers raise their own (asyncpg, sqlite3, OSError)
        if is_read_only_error(error):
            log.warning("readiness: the database refuses writes (read-only)")
            return "read-only"
        # The type only: a driver's message may quote the URL, and the log has the rest.
        log.warning("readiness: database unreachable: %s", type(error).__name__)
        return f"unreachable: {type(error).__name__}"
    return "ok"


def fivetran_problem(error: FivetranError) -> str:
    """Fixed words for a Fivetran failure, from its class and status: never its message."""
    if isinstance(error, Timeout):
        return "unreachable: timeout"
    if isinstance(error, ConnectError):
        return "unreachable: could not connect to Fivetran"
    if isinstance(error, TransportError):
        return "unreachable: connection failed"
    if isinstance(error, DecodeError):
        return "unreachable: unexpected answer"
    if isinstance(error, Unauthorized):
        return "unreachable: authentication failed"
    if isinstance(error, Forbidden):
        return "unreachable: permission denied"
    if isinstance(error, RateLimited):
        return "unreachable: rate limited"
    if isinstance(error, StatusError):
        return f"unreachable: HTTP {error.status_code}"
    return "unreachable"


async def fivetran_check(probe: Callable[[], Awaitable[object]], recently_reachable: bool) -> str:
    # Any successful answer in the last few minutes proves Fivetran reachable without spending budget.
    if recently_reachable:
        return "ok"
    try:
        async with asyncio.timeout(FIVETRAN_PROBE_S):
            await probe()
    except FivetranError as error:
        return fivetran_problem(error)
    except TimeoutError:
        return f"unreachable: no answer within {FIVETRAN_PROBE_S:.0f}s"
    return "ok"


class SlackAuthCheck:
    """`auth.test` with the bot token, its answer remembered for a while (see SLACK_OK_FOR_S)."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        clock: Clock = time.monotonic,
        ok_for: float = SLACK_OK_FOR_S,
        failed_for: float = SLACK_FAILED_FOR_S,
    ) -> None:
        self._client = client
        self._clock = clock
        self._ok_for = ok_for
        self._failed_for = failed_for
        self._answer: tuple[str, float] | None = None  # (words, when they expire)
        self._lock = asyncio.Lock()  # concurrent probes share one auth.test

    async def __call__(self) -> str:
        async with self._lock:
            if self._answer is not None and self._clock() < self._answer[1]:
                return self._answer[0]
            words = await self._ask()
            self._answer = (words, self._clock() + (self._ok_for if words == "ok" else self._failed_for))
            return words

    async def _ask(self) -> str:
        try:
            async with asyncio.timeout(SLACK_PROBE_S):
                await self._client.auth_test()
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else None
            if code in _TOKEN_REJECTED:
                log.warning("readiness: Slack rejected the bot token (%s)", code)
                return "token rejected"
            log.warning("readiness: Slack answered auth.test with an error")
            return "error answer"
        except TimeoutError:
            return f"unreachable: no answer within {SLACK_PROBE_S:.0f}s"
        except Exception as error:  # aiohttp raises its own connection errors
            log.warning("readiness: Slack unreachable: %s", type(error).__name__)
            return "unreachable"
        return "ok"
