"""`kill -9` of `serve` in the middle of a digest fire, a bulk operation and a followed sync: after the
restart nothing is posted twice and nothing is dropped without a word."""

from __future__ import annotations

import asyncio
import inspect
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, exists, select, update

from bot.services.governance.bulk import BulkService
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.subscriptions import SubscriptionRepo
from bot.storage.tables import (
    audit_entries,
    bulk_items,
    bulk_runs,
    fire_claims,
    followed_syncs,
    outbox,
    subscriptions,
)
from tests.e2e.harness import ADMIN, CHANNEL, OPERATOR
from tests.resilience.process import Deployment, deployment

PATCH_CONNECTION = r"^/v1/connections/[^/]+$"
LIST = r"^/v1/connections$"
CAUGHT_UP = "digest catch-up after start:"  # the scheduler's line once its first look has decided


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition not met")


async def until_row(url: str, query: Select[Any], timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Waits until `query` finds a row in the database the process writes (its own connection each look)."""
    db = Database(url)
    try:
        for _ in range(int(timeout / 0.05)):
            async with db.read() as connection:
                if (await connection.execute(query)).first() is not None:
                    return
            await asyncio.sleep(0.05)
    finally:
        await db.dispose()
    raise TimeoutError("no such row")


async def shift_back(url: str, minutes: float) -> None:
    """What the database looks like `minutes` later for the rows a dead process left behind."""
    db = Database(url)
    past = datetime.now(UTC) - timedelta(minutes=minutes)
    async with db.begin() as connection:
        await connection.execute(update(bulk_runs).values(updated_at=past))
        await connection.execute(update(bulk_items).values(updated_at=past))
        await connection.execute(
            update(fire_claims).where(fire_claims.c.done_at.is_(None)).values(lease_until=past)
        )
    await db.dispose()


async def bulk_killed_midway(dep: Deployment) -> int:
    """Admin pauses 12 healthy-or-not connectors in bulk; the process dies after two were paused, with
    the calls of others sent and unanswered. Returns how many were in flight: Fivetran gets them after
    the kill (as it would: the requests had left), so they are paused though the bot never heard."""
    dep.gate.hold("PATCH", PATCH_CONNECTION, pass_first=2)
    await dep.start()
    mark = await dep.command("pause status:healthy", user=ADMIN)
    preview = await dep.wait_for(
        lambda m: any("bulk" in str(b) for b in m.blocks) and "Cancel" in str(m.blocks)
    )
    shown = re.search(r"Pause (\d+) connectors\?", f"{preview.text} {preview.blocks}")
    assert mark >= 0 and shown is not None
    targets = int(shown.group(1))
    assert targets >= 4
    await dep.click(preview, "hvr.bulk_confirm", user=ADMIN)
    # Every worker ends up in a held call (each writes its item in progress first), so the kill finds as
    # many items in progress as calls held, not one more written a moment before its call went out.
    workers = inspect.signature(BulkService).parameters["concurrency"].default
    await until(
        lambda: (
            dep.gate.held >= min(workers, targets - 2)
            and sum(1 for c in dep.sim.connections.values() if c.paused) >= 2
        )
    )
    # the two answered items are written down (the second row, in order, of those done)
    done = select(bulk_items.c.connection_id).where(bulk_items.c.status == "done")
    await until_row(dep.database_url, done.offset(1))
    in_flight = dep.gate.held
    dep.kill9()
    dep.gate.release.set()
    return in_flight


async def test_a_bulk_run_killed_midway_reports_where_it_stopped_after_a_prompt_restart(
    tmp_path: Path,
) -> None:
    async with deployment(tmp_path) as dep:
        await bulk_killed_midway(dep)
        await dep.start()
        report = await dep.wait_for(lambda m: "stopped when the bot restarted" in m.text, timeout=8)
    assert report.channel == CHANNEL


async def test_a_bulk_run_killed_midway_reports_where_it_stopped_once_it_is_stale(tmp_path: Path) -> None:
    async with deployment(tmp_path) as dep:
        in_flight = await bulk_killed_midway(dep)
        await shift_back(dep.database_url, minutes=10)  # the restart comes 10 minutes later
        patches_before = dep.sim.requests_by_operation["PATCH /v1/connections/{connection_id}"]
        await dep.start()
        report = await dep.wait_for(lambda m: "stopped when the bot restarted" in m.text, timeout=8)
        # No wait for a re-run: the run is marked cancelled before its report is written, and a run starts
        # only from `pending`, so nothing can start it again from here on.
        patches_after = dep.sim.requests_by_operation["PATCH /v1/connections/{connection_id}"]
        db = Database(dep.database_url)
        async with db.begin() as connection:
            statuses = [r.status for r in (await connection.execute(select(bulk_items))).all()]
            run_status = (await connection.execute(select(bulk_runs.c.status))).scalar_one()
            audited = (
                await connection.execute(select(audit_entries).where(audit_entries.c.action == "bulk"))
            ).one()
        await db.dispose()

    assert report.channel == CHANNEL and not report.ephemeral
    assert statuses.count("done") == 2  # where it stopped: two paused and answered
    # sent before the kill, never answered: unknown, and not "not started" (Fivetran did pause them)
    assert in_flight >= 1 and statuses.count("in_progress") == in_flight
    assert f"{in_flight} unknown" in report.text
    assert "may have been applied" in str(report.blocks)
    assert run_status == "cancelled"
    assert (audited.status, audited.fivetran_code) == ("failed", "interrupted")
    assert audited.finished_at is not None and f"{in_flight} unknown" in audited.message
    assert patches_after == patches_before  # nothing was re-run behind anyone's back
    reports = [m for m in dep.double.all_messages() if "stopped when the bot restarted" in m.text]
    assert len(reports) == 1


async def test_a_digest_fire_killed_before_it_posted_is_posted_exactly_once_after_restart(
    tmp_path: Path,
) -> None:
    async with deployment(tmp_path) as dep:
        await upgrade(dep.database_url)
        db = Database(dep.database_url)
        mark = datetime.now(UTC).replace(second=0, microsecond=0)
        sub = await SubscriptionRepo(db).add(
            kind="digest",
            channel_id=CHANNEL,
            created_by=OPERATOR,
            timezone="UTC",
            schedule=f"daily {mark:%H:%M}",
            options={"only_problems": False},
        )
        async with db.begin() as connection:
            # Created a minute before the minute that began last: exactly one fire (that minute) is owed,
            # and the next is a day away, whatever the wall clock says when the test runs.
            await connection.execute(update(subscriptions).values(created_at=mark - timedelta(minutes=1)))
        dep.gate.hold("GET", LIST)
        await dep.start()  # the start-up scan finds the fire due and claims it; the fetch hangs
        await until(lambda: dep.gate.held >= 1)
        dep.kill9()
        dep.gate.release.set()
        await shift_back(dep.database_url, minutes=3)  # the dead holder's lease has run out
        await dep.start()
        digest = await dep.wait_for(lambda m: "Fivetran digest" in m.text, timeout=10)
        # Once the restarted process has had its catch-up look, anything it owes is an outbox row.
        await until(lambda: CAUGHT_UP in dep.logs[-1].read_text())
        async with db.begin() as connection:
            claims = (await connection.execute(select(fire_claims))).all()
            owed = (await connection.execute(select(outbox).where(outbox.c.channel_id == CHANNEL))).all()
        await db.dispose()

    posted = [m for m in dep.double.all_messages() if not m.ephemeral and m.channel == CHANNEL]
    assert [(c.fire_time, c.outcome) for c in claims if c.done_at is not None] != [], claims
    assert len(claims) == 1 and claims[0].subscription_id == sub.id, claims
    assert posted == [digest] and len(owed) == 1


async def test_a_followed_sync_killed_midway_is_still_followed_to_its_end_after_restart(
    tmp_path: Path,
) -> None:
    async with deployment(tmp_path) as dep:
        connection = next(c for c in dep.sim.connections.values() if c.generated_health == "healthy")
        dep.sim.script_sync_outcome(connection.id, "success", duration_s=60)
        await dep.start()
        await dep.command(f"sync {connection.id}")
        status = await dep.wait_for(lambda m: "requested by" in m.text, timeout=10)
        # The follow records the message's ts a moment after posting it; a kill inside that window of a
        # few milliseconds posts the outcome as a new message instead (covered in tests/follows).
        await until_row(
            dep.database_url, select(followed_syncs.c.id).where(followed_syncs.c.message_ts == status.ts)
        )
        dep.kill9()
        dep.clock.advance(61)
        await dep.start()
        await dep.double.wait_for(lambda: "succeeded" in status.text or None, timeout=8)
        syncs = dep.sim.requests_by_operation["POST /v1/connections/{connection_id}/sync"]

    assert status.text.startswith(":white_check_mark:")
    assert syncs == 1
    assert [m.ts for m in dep.double.all_messages() if not m.ephemeral and "Sync" in m.text] == [status.ts]


async def owed_status(url: str) -> str | None:
    """The followed sync's message ts as the database has it (`outbox:<id>` while Slack lacks it)."""
    db = Database(url)
    try:
        async with db.begin() as connection:
            return (await connection.execute(select(followed_syncs.c.message_ts))).scalar_one_or_none()
    finally:
        await db.dispose()


async def test_a_process_killed_between_owing_a_sync_status_and_slack_having_it_ends_with_one_final_message(
    tmp_path: Path,
) -> None:
    """The gap that was: the status message posted, the process killed before its ts was recorded, and
    the old message left saying "requested" while the successor posted another. The message is now
    recorded (in the outbox, its placeholder on the follow) before anything is sent: killed while Slack
    answers 500, the restarted process posts it once and edits it to the sync's end."""
    async with deployment(tmp_path) as dep:
        connection = next(c for c in dep.sim.connections.values() if c.generated_health == "healthy")
        dep.sim.script_sync_outcome(connection.id, "success", duration_s=60)
        dep.double.fail_until("chat.postMessage", time.time() + 3600, status=500)
        await dep.start()
        await dep.command(f"sync {connection.id}")
        await until(lambda: dep.double.calls_to("chat.postMessage"))  # tried, and refused
        # the refusal is written down: the row is free, not held
        refused = select(outbox.c.id).where(outbox.c.last_error.is_not(None), outbox.c.holder.is_(None))
        await until_row(dep.database_url, refused)
        assert str(await owed_status(dep.database_url)).startswith("outbox:")
        dep.kill9()

        dep.double.fail_until("chat.postMessage", 0)  # Slack is back
        dep.clock.advance(61)  # and the sync ended meanwhile
        await dep.start()
        final = await dep.wait_for(lambda m: "succeeded" in m.text and m.thread_ts is None, timeout=15)
        # the follow is over and Slack has had everything it was owed: a second status would be there
        unowed = ~exists(select(outbox.c.id).where(outbox.c.done_at.is_(None)))
        await until_row(
            dep.database_url,
            select(followed_syncs.c.id).where(followed_syncs.c.finished_at.is_not(None), unowed),
        )
        syncs = dep.sim.requests_by_operation["POST /v1/connections/{connection_id}/sync"]
        statuses = [m for m in dep.double.all_messages() if not m.ephemeral and m.thread_ts is None]
        recorded = await owed_status(dep.database_url)

    assert statuses == [final] and final.text.startswith(":white_check_mark:")
    assert recorded == final.ts and syncs == 1
