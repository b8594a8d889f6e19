"""`kill -9` of the replica holding an alert's delivery: two `hvr-bot serve` processes on one PostgreSQL,
Slack holding the post open when the holder is killed. The other replica posts the alert exactly once,
once the dead holder's lease is over (DESIGN section 9)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, update

from bot.services.alerts.webhook_events import SIGNATURE_HEADER, sign
from bot.storage.db import Database
from bot.storage.tables import outbox
from tests.e2e.harness import CHANNEL, closed_port
from tests.ops.support import webhook_body
from tests.resilience.process import Deployment, deployment
from tests.resilience.test_process_restart import until

SECRET = "whsec-kill-7c1d9e"


async def owed_holder(url: str) -> str | None:
    db = Database(url)
    try:
        async with db.begin() as connection:
            return (
                await connection.execute(select(outbox.c.holder).where(outbox.c.done_at.is_(None)))
            ).scalar_one_or_none()
    finally:
        await db.dispose()


async def owed_rows(url: str) -> int:
    """Rows not yet delivered (held or not)."""
    db = Database(url)
    try:
        async with db.begin() as connection:
            return len(
                (await connection.execute(select(outbox.c.id).where(outbox.c.done_at.is_(None)))).all()
            )
    finally:
        await db.dispose()


async def lease_over(url: str) -> None:
    """What the database looks like once the dead holder's lease (a minute) has run out."""
    db = Database(url)
    try:
        async with db.begin() as connection:
            await connection.execute(
                update(outbox)
                .where(outbox.c.done_at.is_(None))
                .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
            )
    finally:
        await db.dispose()


def alerts(dep: Deployment, name: str) -> list[str]:
    return [
        m.ts
        for m in dep.double.messages(CHANNEL)
        if not m.ephemeral and m.thread_ts is None and "failed" in m.text and name in m.text
    ]


async def test_killing_the_replica_holding_an_alerts_delivery_leaves_it_to_the_other_posted_once(
    tmp_path: Path, postgres_url: str
) -> None:
    async with deployment(tmp_path) as first:
        first.database_url = postgres_url
        first.extra_env["FIVETRAN_WEBHOOK_SECRET"] = SECRET
        (tmp_path / "second").mkdir()
        second = dataclasses.replace(first, tmp=tmp_path / "second", port=closed_port(), proc=None, logs=[])
        replicas = [first, second]
        try:
            for replica in replicas:
                await replica.start()
            connection = next(c for c in first.sim.connections.values() if c.generated_health == "healthy")
            await first.command("watch events:failures,recoveries")
            await first.wait_for(lambda m: "Watching" in m.text)
            first.double.hold("chat.postMessage")  # Slack takes the call and does not answer

            body = webhook_body(connection.id, sync_id="kill-9")
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(SECRET, body)}
            async with httpx.AsyncClient() as http:
                answered = await http.post(f"{second.url}/fivetran/webhook", content=body, headers=headers)
            assert answered.status_code == 200
            await until(lambda: first.double.calls_to("chat.postMessage"))
            holder = await owed_holder(postgres_url)
            assert holder is not None
            pid = int(holder.split(":")[1])
            (doomed,) = [r for r in replicas if r.proc is not None and r.proc.pid == pid]
            (survivor,) = [r for r in replicas if r is not doomed]
            doomed.kill9()  # mid-call, with the row held under its lease
            first.double.release("chat.postMessage")  # the call it made is lost: Slack never took it

            await lease_over(postgres_url)
            await until(lambda: alerts(first, connection.schema), timeout=15)
            # the survivor marked the row delivered: nothing is left owed, so nothing can be posted again
            for _ in range(300):
                if await owed_holder(postgres_url) is None and not await owed_rows(postgres_url):
                    break
                await asyncio.sleep(0.05)
            assert survivor.proc is not None and survivor.proc.poll() is None
            assert len(alerts(first, connection.schema)) == 1
            assert not await owed_rows(postgres_url)
        finally:
            second.stop()
