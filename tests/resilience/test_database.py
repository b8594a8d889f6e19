"""The database away: unreachable at start (serve says so and exits non-zero), lost while running (requests
answer with an error, and work again once it is back)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from bot.storage.migrate import upgrade
from tests.db_fixtures import PostgresServer, _connect
from tests.e2e.harness import all_text, closed_port
from tests.resilience.checks import assert_plain_answer
from tests.resilience.harness import resilient_bot

DB_PASSWORD = "dbpass-Hk29xQ"


def serve_env(database_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "SLACK_BOT_TOKEN": "xoxb-1-unreachable",
        "SLACK_SIGNING_SECRET": "sign-unreachable",
        "FIVETRAN_API_KEY": "k",
        "FIVETRAN_API_SECRET": "s",
        "FIVETRAN_API_URL": f"http://127.0.0.1:{closed_port()}",
        "SLACK_API_URL": f"http://127.0.0.1:{closed_port()}/api/",
        "DATABASE_URL": database_url,
        "HVR_WATCH_INTERVAL": "0",
    }


def serve_once(database_url: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """Runs `hvr-bot serve` that is expected to refuse to start; its result and all it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", str(closed_port())],
        env=serve_env(database_url),
        cwd=cwd,  # no .env of the developer's
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    return done, output


def test_serve_with_an_unreachable_postgresql_says_so_plainly_and_exits_non_zero(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://hvr:{DB_PASSWORD}@127.0.0.1:{closed_port()}/hvr"

    done, output = serve_once(url, tmp_path)

    assert "can't be reached" in done.stdout and "DATABASE_URL" in done.stdout
    assert "Traceback" not in output
    assert DB_PASSWORD not in output


async def test_losing_postgresql_mid_run_answers_with_an_error_and_recovers_when_it_returns(
    postgres_url: str, postgres_server: PostgresServer
) -> None:
    name = postgres_url.rsplit("/", 1)[1]
    async with resilient_bot(database_url=postgres_url) as rb:
        before = await rb.e2e.command("digest list")
        await rb.e2e.wait_for_message(lambda m: True, since=before)
        await rb.e2e.settle()

        admin = await _connect(postgres_server.user)
        try:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            lost = await rb.e2e.command("digest list")
            error = await rb.e2e.wait_for_message(lambda m: True, since=lost, timeout=20)
            await rb.e2e.settle(limit=20)
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await admin.close()

        back = await rb.e2e.command("digest list")
        recovered = await rb.e2e.wait_for_message(lambda m: True, since=back, timeout=20)
        await rb.e2e.settle(limit=20)

    assert_plain_answer(error)
    assert "went wrong" in error.text and "Reference:" in all_text(error)
    assert_plain_answer(recovered)
    assert "went wrong" not in recovered.text


def test_serve_refuses_to_start_on_a_sqlite_file_that_existed_and_vanished(tmp_path: Path) -> None:
    path = tmp_path / "hvr.db"
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(upgrade(url))  # the install as it was: schema, data, marker
    path.unlink()

    done, output = serve_once(url, tmp_path)

    assert "is gone" in done.stdout and "`hvr-bot db upgrade`" in done.stdout
    assert "Traceback" not in output
    assert not path.exists()  # no empty database in its place
