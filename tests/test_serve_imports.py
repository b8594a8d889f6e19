"""`serve` imports what serving needs (issue 22: memory of an idle `serve`).

A child process builds and starts the bot the way `serve` does — SQLite on a current database, no HVR hubs,
HTTP (no Socket Mode) — and reports which of the modules serving must not load are in `sys.modules`: the
demo's simulator, the Slack double, the shell, Alembic (and Mako), respx, the PostgreSQL dialect and its
driver, the HVR hub client, and Socket Mode's client. Each is imported by the command or configuration that
uses it, only then.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bot

ROOT = Path(bot.__file__).resolve().parents[1]  # this checkout, first on the child's path
NOT_FOR_SERVE = (
    "bot.simulator",
    "bot.slack_double",
    "bot.shell",
    "alembic",
    "mako",
    "respx",
    "sqlalchemy.dialects.postgresql",
    "asyncpg",
    "bot.hvr.client",
    "bot.hvr.auth",
    "bot.services.pipelines.hub_source",
    "slack_sdk.socket_mode",
    "slack_bolt.adapter.socket_mode",
)

# What `serve` does (bot.cli → run_serve → _serve) up to the moment uvicorn would listen, then it stops.
SERVE = """
import asyncio, json, sys
{preload}
from bot.app import build_bot
from bot.cli import main
from bot.config import load_settings
from bot.web.app import build_web_app
from bot.web.serve import run_serve, server_config

async def serve_and_stop():
    settings = load_settings()
    assert not settings.problems("serve"), settings.problems("serve")
    assert not settings.hubs()
    served = build_bot(settings)
    await served.start()
    server_config(build_web_app(served), settings, "127.0.0.1", 0)
    await served.aclose(drain_seconds=0)

asyncio.run(serve_and_stop())
print(json.dumps([sys.modules["bot"].__file__, sorted(sys.modules)]))
"""


@pytest.fixture(scope="module")
def serve_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """serve's environment on a SQLite file that is already current, as a restarted bot finds it (a
    migration would load Alembic, on purpose)."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('serve')}/bot.db"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIVETRAN_", "HVR_", "DATABASE"))
    }
    env.update(
        {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "s" * 32,
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "FIVETRAN_API_KEY": "key",
            "FIVETRAN_API_SECRET": "secret",
            "FIVETRAN_API_URL": "http://127.0.0.1:9",
            "HVR_ADMINS": "U0ADMIN1",
            "HVR_WATCH_INTERVAL": "0",
            "PYTHONPATH": str(ROOT),
        }
    )
    upgrade = [sys.executable, "-m", "bot", "db", "upgrade"]
    subprocess.run(upgrade, env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    return env


def _loaded_by_serve(env: dict[str, str], preload: str = "") -> list[str]:
    """The forbidden modules a `serve` (with `preload` run first) has in sys.modules once started."""
    done = subprocess.run(
        [sys.executable, "-c", SERVE.format(preload=preload)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    imported_from, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(imported_from).resolve().parent == Path(bot.__file__).resolve().parent
    return [m for m in modules if any(m == name or m.startswith(f"{name}.") for name in NOT_FOR_SERVE)]


def test_serve_on_sqlite_without_hubs_loads_none_of_what_it_does_not_use(serve_env: dict[str, str]) -> None:
    assert _loaded_by_serve(serve_env) == []


def test_the_check_sees_a_module_that_is_loaded(serve_env: dict[str, str]) -> None:
    # The same child with two of them imported first: the check above is not vacuous.
    found = _loaded_by_serve(serve_env, "import bot.hvr.client, sqlalchemy.dialects.postgresql")

    assert "bot.hvr.client" in found
    assert "sqlalchemy.dialects.postgresql" in found
