"""`/readyz` says which check failed while the database is down, and recovers when it is back."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.engine import make_url

from tests.e2e.harness import E2E
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
            {"ready": True, "checks": {"database": "ok", "fivetran": "ok", "scheduler": "ok"}},
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
        assert (status, body["checks"]) == (200, {"database": "ok", "fivetran": "ok", "scheduler": "ok"})
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
        assert body["checks"] == {"database": "ok", "fivetran": "ok", "scheduler": "not running"}
