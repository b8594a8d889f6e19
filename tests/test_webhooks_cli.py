"""`hvr-bot webhooks register|list|remove` against the simulator."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.config import Settings
from bot.simulator import ManualClock, Simulator, build_app
from bot.webhooks_cli import EVENTS, run_webhooks

URL = "https://bot.example.com/fivetran/webhook"


@pytest.fixture
async def sim_http() -> AsyncIterator[tuple[Simulator, httpx.AsyncClient]]:
    sim = Simulator(seed=3, connections=5, clock=ManualClock())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(sim))) as http:
        yield sim, http


def _settings(**extra: object) -> Settings:
    values: dict[str, object] = {
        "fivetran_api_key": "demo",
        "fivetran_api_secret": "demo",
        "fivetran_api_url": "http://simulator",
        "fivetran_webhook_secret": "hook-secret-value",
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


async def _run(http: httpx.AsyncClient, settings: Settings, *argv: str) -> tuple[int, list[str]]:
    args = argparse.Namespace(webhooks_command=argv[0])
    if argv[0] == "register":
        args.url = argv[1]
    if argv[0] == "remove":
        args.id = argv[1]
    lines: list[str] = []
    code = await run_webhooks(args, settings, http=http, out=lines.append)
    return code, lines


async def test_register_creates_then_updates_the_same_account_webhook(
    sim_http: tuple[Simulator, httpx.AsyncClient],
) -> None:
    sim, http = sim_http
    code, lines = await _run(http, _settings(), "register", URL)
    assert code == 0 and lines[0].startswith("✓ Created account webhook")
    assert len(sim.webhooks.webhooks) == 1
    hook = next(iter(sim.webhooks.webhooks.values()))
    assert hook.secret == "hook-secret-value" and hook.events == list(EVENTS)
    code, lines = await _run(http, _settings(fivetran_webhook_secret="rotated-secret"), "register", URL)
    assert code == 0 and lines[0].startswith("✓ Updated account webhook")
    assert len(sim.webhooks.webhooks) == 1 and hook.secret == "rotated-secret"
    assert not any("secret" in line for line in lines)


async def test_list_and_remove(sim_http: tuple[Simulator, httpx.AsyncClient]) -> None:
    sim, http = sim_http
    await _run(http, _settings(), "register", URL)
    code, lines = await _run(http, _settings(), "list")
    hook_id = next(iter(sim.webhooks.webhooks))
    assert code == 0 and lines[0].startswith(hook_id) and URL in lines[0]
    code, lines = await _run(http, _settings(), "remove", hook_id)
    assert code == 0 and not sim.webhooks.webhooks
    code, lines = await _run(http, _settings(), "list")
    assert lines[0].startswith("No webhooks.")


async def test_plain_http_urls_are_refused_before_asking_fivetran(
    sim_http: tuple[Simulator, httpx.AsyncClient],
) -> None:
    sim, http = sim_http
    code, lines = await _run(http, _settings(), "register", "http://bot.example.com/fivetran/webhook")
    assert code == 1 and "must be https" in lines[0]
    assert sim.request_count == 0


async def test_register_needs_the_webhook_secret(sim_http: tuple[Simulator, httpx.AsyncClient]) -> None:
    _, http = sim_http
    code, lines = await _run(http, _settings(fivetran_webhook_secret=None), "register", URL)
    assert code == 1 and "FIVETRAN_WEBHOOK_SECRET is not set" in lines[0]


async def test_removing_an_unknown_webhook_says_so(sim_http: tuple[Simulator, httpx.AsyncClient]) -> None:
    _, http = sim_http
    code, lines = await _run(http, _settings(), "remove", "nope")
    assert code == 1 and lines[0].startswith("✗ Fivetran refused")
