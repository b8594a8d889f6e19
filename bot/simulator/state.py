"""The sync state machine of one connection.

Nothing runs in the background: `advance` replays every transition that fell due up to `now`, stamping
each with the time it was due, so a test that steps a ManualClock sees exactly the same history as a
server whose clock ran freely. Each transition reports itself through `emit` (webhook events).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from random import Random
from typing import Any

from bot.simulator.model import Connection, ScriptedOutcome, SyncRun

Emit = Callable[[str, Connection, datetime, str | None, dict[str, Any]], None]

# Unscripted syncs last this long (simulated seconds); a historical one takes a few times longer.
MIN_SYNC_S = 45.0
MAX_SYNC_S = 600.0
HISTORICAL_FACTOR = 3.0


def sync_state(conn: Connection) -> str:
    if conn.run is not None:
        return conn.run.phase
    return "paused" if conn.paused else "scheduled"


def rescheduled_for(conn: Connection) -> datetime | None:
    run = conn.run
    return run.phase_ends_at if run is not None and run.phase == "rescheduled" else None


def is_failing(conn: Connection) -> bool:
    return conn.failed_at is not None and (conn.succeeded_at is None or conn.failed_at > conn.succeeded_at)


def _plan(conn: Connection, seed: int, historical: bool) -> ScriptedOutcome:
    if conn.scripted:
        return conn.scripted.pop(0)
    # Seeded by connection and run number, so the same account replays the same syncs.
    rng = Random(f"{seed}:{conn.id}:run{conn.runs_started}")
    duration = rng.uniform(MIN_SYNC_S, MAX_SYNC_S) * (HISTORICAL_FACTOR if historical else 1.0)
    if conn.setup_state == "broken":
        reason = conn.tasks[0]["message"] if conn.tasks else "The connection is broken"
        return ScriptedOutcome("failure", duration / 4, reason=reason)
    if conn.setup_state == "incomplete":
        return ScriptedOutcome("failure", duration / 4, reason="Setup is incomplete: finish the setup form")
    if is_failing(conn) and rng.random() < 0.5:
        return ScriptedOutcome("failure", duration, reason="Source API returned 502 Bad Gateway")
    return ScriptedOutcome("success", duration)


def start_run(conn: Connection, now: datetime, seed: int, emit: Emit, *, historical: bool = False) -> SyncRun:
    """Start a sync now, replacing any run in progress (a forced sync cancels the running one)."""
    plan = _plan(conn, seed, historical)
    conn.runs_started += 1
    sync_id = str(
        uuid.UUID(int=Random(f"{seed}:{conn.id}:sync{conn.runs_started}").getrandbits(128), version=4)
    )
    run = SyncRun(
        sync_id=sync_id,
        started_at=now,
        phase="syncing",
        phase_ends_at=now + timedelta(seconds=plan.duration_s),
        outcome=plan.outcome,
        historical=historical,
        reason=plan.reason,
        resume_duration_s=max(plan.duration_s, 1.0),
        reschedule_s=plan.reschedule_s,
    )
    conn.run = run
    conn.is_historical_sync = historical
    emit("sync_start", conn, now, sync_id, {})
    return run


def waits_for_a_trigger(conn: Connection) -> bool:
    """A manual connection's rescheduled sync: Fivetran resumes it only when `POST /sync` asks."""
    run = conn.run
    return run is not None and run.phase == "rescheduled" and conn.schedule_type == "manual" and not run.armed


def start_pending(conn: Connection, at: datetime, seed: int, emit: Emit) -> None:
    """Start the re-sync that waited for the connection to be free (not paused, nothing running)."""
    if conn.pending_resync is None or conn.paused or conn.run is not None:
        return
    historical = conn.pending_resync == "full"
    conn.pending_resync = None
    start_run(conn, at, seed, emit, historical=historical)


def advance(conn: Connection, now: datetime, emit: Emit, seed: int) -> None:
    """Apply every transition of the running sync that is due by `now`, and start a re-sync that waited
    for it to end (stamped with that end)."""
    while (run := conn.run) is not None and run.phase_ends_at <= now and not waits_for_a_trigger(conn):
        at = run.phase_ends_at
        if run.phase == "syncing" and run.outcome == "rescheduled":
            # The source ran out of API quota: wait, then carry on. Neither succeeded_at nor failed_at
            # moves meanwhile, which is what a client following the sync must cope with.
            run.phase = "rescheduled"
            run.phase_ends_at = at + timedelta(seconds=run.reschedule_s)
            run.outcome = "success"
        elif run.phase == "rescheduled":
            run.phase = "syncing"
            run.phase_ends_at = at + timedelta(seconds=run.resume_duration_s)
        else:
            _finish(conn, run, at, emit)
            start_pending(conn, at, seed, emit)


SYNC_FAILED_WARNING = "sync_failed"


def _finish(conn: Connection, run: SyncRun, at: datetime, emit: Emit) -> None:
    conn.run = None
    conn.is_historical_sync = False
    data: dict[str, Any]
    if run.outcome == "success":
        conn.succeeded_at = at
        conn.update_state = "on_schedule"
        conn.warnings = [w for w in conn.warnings if w.get("code") != SYNC_FAILED_WARNING]
        data = {"status": "SUCCESSFUL"}
    else:
        conn.failed_at = at
        # The dashboard shows why the last sync failed; the API carries it as a warning on the connection.
        reason = run.reason or "Sync failed"
        warning = {"code": SYNC_FAILED_WARNING, "message": reason, "details": reason}
        conn.warnings = [*(w for w in conn.warnings if w.get("code") != SYNC_FAILED_WARNING), warning]
        # Fivetran says FAILURE_WITH_TASK when a person has to act (the connection's tasks say what).
        data = {
            "status": "FAILURE_WITH_TASK" if conn.tasks else "FAILED",
            "reason": run.reason or "Sync failed",
        }
    emit("sync_end", conn, at, run.sync_id, data)
