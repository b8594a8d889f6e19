"""`/readyz` says which dependency is down (the database unreachable, deleted or read-only; Slack's token
revoked; Fivetran failing) in fixed words, and recovers when it is back."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.blocks.message import Message
from bot.slack_double import SlackDouble
from bot.storage.migrate import upgrade
from bot.web.readiness import SlackAuthCheck
from tests.e2e.harness import E2E, _serve, no_wait, running_bot
from tests.ops.proxy import Proxy
from tests.ops.support import ops_bot


async def _ready(e2e: E2E) -> tuple[int, dict[str, Any]]:
    answer = await e2e.http.get("/readyz")
    return answer.status_code, answer.json()


async def test_readyz_fails_naming_the_database_while_it_is_down_and_recovers(postgres_url: str) -> None:
    real = make_url(postgres_url)
    proxy = Proxy(real.host or "127.0.0.1", real.port or 5432)
    await proxy.start()
    via_proxy = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    async with ops_bot(database_url=via_proxy) as e2e:
        status, body = await _ready(e2e)
        assert (status, body) == (
            200,
            {
                "ready": True,
                "checks": {"database": "ok", "fivetran": "ok", "slack": "ok", "scheduler": "ok"},
                "outbox": "empty",
            },
        )

        await proxy.cut()
        status, body = await _ready(e2e)
        assert status == 503 and body["ready"] is False
        checks = body["checks"]
        assert str(checks["database"]).startswith("unreachable")
        assert checks["fivetran"] == "ok" and checks["scheduler"] == "ok"
        assert (await e2e.http.get("/healthz")).status_code == 200  # alive: do not restart it

        await proxy.start()  # the same port again
        for _ in range(50):
            status, body = await _ready(e2e)
            if status == 200:
                break
            await asyncio.sleep(0.1)
        assert (status, body["checks"]) == (
            200,
            {"database": "ok", "fivetran": "ok", "slack": "ok", "scheduler": "ok"},
        )
    await proxy.cut()


async def test_readyz_counts_a_recent_fivetran_answer_without_asking_again() -> None:
    async with ops_bot() as e2e:
        listed = await e2e.command("list")
        await e2e.wait_for_text("connector", since=listed)
        await e2e.settle()
        before = e2e.sim_count("GET /v1/connections")

        status, _ = await _ready(e2e)

        assert status == 200
        assert e2e.sim_count("GET /v1/connections") == before


async def test_readyz_fails_when_the_scheduler_has_stopped() -> None:
    async with ops_bot() as e2e:
        await e2e.bot.scheduler.stop()

        status, body = await _ready(e2e)

        assert status == 503
        assert body["checks"] == {
            "database": "ok",
            "fivetran": "ok",
            "slack": "ok",
            "scheduler": "not running",
        }


async def test_readyz_fails_naming_the_database_when_the_sqlite_file_is_deleted(tmp_path: Path) -> None:
    path = tmp_path / "hvr-bot.db"
    async with ops_bot(database_url=f"sqlite+aiosqlite:///{path}") as e2e:
        assert (await _ready(e2e))[0] == 200

        path.unlink()  # the open connections would go on writing to the orphaned file
        status, body = await _ready(e2e)

        assert status == 503
        assert body["checks"]["database"] == "file missing"
        assert (await e2e.http.get("/healthz")).status_code == 200


async def test_readyz_fails_naming_the_database_when_it_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "hvr-bot.db"
    await upgrade(f"sqlite+aiosqlite:///{path}")
    # Read-only as SQLite sees it whoever runs the test (root ignores a file's mode bits).
    read_only = f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
    async with ops_bot(database_url=read_only) as e2e:
        status, body = await _ready(e2e)

        assert status == 503
        assert body["checks"]["database"] == "read-only"


async def test_readyz_fails_naming_slack_when_the_bot_token_is_revoked() -> None:
    async with ops_bot() as e2e:
        e2e.double.bot_token = "xoxb-the-new-one"  # the bot's token is no longer the workspace's

        status, body = await _ready(e2e)

        assert status == 503
        assert body["checks"]["slack"] == "token rejected"
        assert body["checks"]["database"] == "ok" and body["checks"]["fivetran"] == "ok"


async def test_readyz_asks_slack_once_a_minute_while_the_token_is_good() -> None:
    now = [0.0]
    async with SlackDouble(bot_token="xoxb-cached") as double:
        check = SlackAuthCheck(
            AsyncWebClient(token="xoxb-cached", base_url=double.api_url), clock=lambda: now[0]
        )

        answers = [await check()]
        now[0] = 30.0
        answers.append(await check())
        double.bot_token = "xoxb-revoked"
        now[0] = 59.0
        answers.append(await check())  # still the good answer of a minute
        now[0] = 61.0
        answers.append(await check())

        assert answers == ["ok", "ok", "ok", "token rejected"]
        assert [c.method for c in double.calls].count("auth.test") == 2


def _echoing_fivetran(status: int) -> Starlette:
    """A Fivetran whose error message quotes the request's Authorization header (some proxies do)."""

    async def anything(request: Request) -> Response:
        echoed = request.headers.get("authorization", "")
        return JSONResponse({"code": "Failed", "message": f"rejected {echoed}"}, status_code=status)

    return Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST"])])


@pytest.mark.parametrize(("status", "words"), [(401, "authentication failed"), (500, "HTTP 500")])
async def test_readyz_names_a_fivetran_failure_in_fixed_words_never_quoting_its_message(
    status: int, words: str
) -> None:
    server, task, port = await _serve(_echoing_fivetran(status))
    try:
        async with running_bot(fivetran_url=f"http://127.0.0.1:{port}", sleep=no_wait) as e2e:
            answer = await e2e.http.get("/readyz")
            key, secret = e2e.sim.api_key, e2e.sim.api_secret
    finally:
        server.should_exit = True
        await task

    assert answer.status_code == 503
    assert answer.json()["checks"]["fivetran"] == f"unreachable: {words}"
    basic = base64.b64encode(f"{key}:{secret}".encode()).decode()
    for leaked in ("Basic", basic, secret, "rejected"):
        assert leaked not in answer.text


async def test_readyz_stays_ready_while_slack_is_down_and_says_what_the_outbox_owes() -> None:
    async with ops_bot() as e2e:
        e2e.double.fail_until("chat.postMessage", e2e.double.clock() + 3600)
        e2e.double.fail_until("auth.test", e2e.double.clock() + 3600)
        await e2e.bot.outbox.poster.post("CE2E000001", Message("owed"))

        status, body = await _ready(e2e)

        assert status == 200 and body["ready"] is True
        assert body["checks"]["slack"] != "ok"  # said, not counted: Slack away is not the bot away
        assert body["outbox"].startswith("1 owed")
