"""The e2e harness's bot, with the settings operations cares about: a webhook secret, chosen secrets, any
database. Everything else (Slack double, simulator, signed requests, waiting) is `tests.e2e.harness`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import SecretStr

from bot.app import build_bot
from bot.clock import utcnow
from bot.config import Settings
from bot.services.alerts.webhook_events import SIGNATURE_HEADER, sign
from bot.simulator import ManualClock, Simulator, build_app
from bot.slack_double import SlackDouble
from tests.e2e.harness import ADMIN, E2E, FAST_FOLLOW, OPERATOR, SIM_URL, Tamper, no_wait, serving
from tests.simulator.aliases import watched

WEBHOOK_SECRET = "whsec-ops-0123456789"


@contextlib.asynccontextmanager
async def ops_bot(
    *,
    bot_token: str = "xoxb-ops",
    signing_secret: str | None = None,
    api_key: str = "ops-key",
    api_secret: str = "ops-secret",
    webhook_secret: str | None = WEBHOOK_SECRET,
    database_url: str | None = None,
    retry_sleep: bool = False,
    simulated_now: bool = False,
    **settings: Any,
) -> AsyncIterator[E2E]:
    """Like `running_bot`, with these settings; `retry_sleep=False` makes Fivetran retries instant.
    `simulated_now`: the bot's wall clock is the simulated account's (`e2e.clock`), which the test moves:
    alert ages, reminders and snoozes then run on it."""
    signing_secret = signing_secret or secrets.token_hex(16)
    clock = ManualClock()
    sim = watched(
        Simulator(seed=7, groups=2, connections=12, clock=clock, api_key=api_key, api_secret=api_secret)
    )
    tamper = Tamper(build_app(sim))
    async with contextlib.AsyncExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="hvr-ops-"))
        double = await stack.enter_async_context(SlackDouble(bot_token=bot_token))
        stack.push_async_callback(sim.aclose)
        fivetran_http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=tamper))
        )
        config = Settings(
            _env_file=None,
            slack_bot_token=SecretStr(bot_token),
            slack_signing_secret=SecretStr(signing_secret),
            slack_api_url=double.api_url,
            fivetran_api_key=SecretStr(api_key),
            fivetran_api_secret=SecretStr(api_secret),
            fivetran_webhook_secret=SecretStr(webhook_secret) if webhook_secret else None,
            hvr_admins=[ADMIN],
            hvr_operators=[OPERATOR],
            hvr_watch_interval=0,
            database_url=database_url or f"sqlite+aiosqlite:///{scratch}/hvr-bot.db",
            **settings,
        )
        bot = build_bot(
            config,
            fivetran_http=fivetran_http,
            fivetran_base_url=SIM_URL,
            sleep=asyncio.sleep if retry_sleep else no_wait,
            follow_policy=FAST_FOLLOW,
            now=clock.now if simulated_now else utcnow,
        )
        async with serving(
            bot, double=double, sim=sim, clock=clock, signing_secret=signing_secret, tamper=tamper
        ) as e2e:
            yield e2e


def webhook_body(connection_id: str, *, sync_id: str, status: str = "FAILED") -> bytes:
    created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps(
        {
            "event": "sync_end",
            "created": created,
            "connector_id": connection_id,
            "sync_id": sync_id,
            "data": {"status": status},
        }
    ).encode()


async def post_webhook(e2e: E2E, body: bytes, *, secret: str | None = WEBHOOK_SECRET) -> httpx.Response:
    """POSTs a delivery signed with `secret` (None: unsigned), as Fivetran would."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    return await e2e.http.post("/fivetran/webhook", content=body, headers=headers)


_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The Prometheus text format as {(name, labels): value}."""
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match is None:
            continue
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match["labels"] or ""))
        found[(match["name"], labels)] = float(match["value"])
    return found


def value(text: str, metric: str, /, **labels: str) -> float:
    """The sample `metric` with exactly these labels; 0 when it was never counted."""
    return samples(text).get((metric, frozenset(labels.items())), 0.0)
