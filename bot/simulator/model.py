"""The simulated account's objects: plain mutable dataclasses, rendered to JSON by `render`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Outcome = Literal["success", "failure", "rescheduled"]
# what a re-sync asked for while it could not start yet: the whole connection, or some tables
Resync = Literal["full", "tables"]
Health = Literal["healthy", "broken", "failing", "delayed", "paused", "rescheduled", "incomplete"]
OUTCOMES: tuple[Outcome, ...] = ("success", "failure", "rescheduled")


@dataclass(slots=True)
class Group:
    id: str
    name: str
    created_at: datetime


@dataclass(slots=True)
class ScriptedOutcome:
    """What the next sync of one connection does, set by a test instead of the seeded dice."""

    outcome: Outcome
    duration_s: float
    # how long a `rescheduled` sync waits for the source's quota before it resumes
    reschedule_s: float = 900.0
    reason: str | None = None


@dataclass(slots=True)
class SyncRun:
    """A sync in progress. `phase_ends_at` is when the current phase ends: the end of the run while
    `syncing`, the resume time (`rescheduled_for`) while `rescheduled`."""

    sync_id: str
    started_at: datetime
    phase: Literal["syncing", "rescheduled"]
    phase_ends_at: datetime
    outcome: Outcome
    historical: bool
    reason: str | None = None
    # after a reschedule the run resumes and syncs for this long, then succeeds
    resume_duration_s: float = 120.0
    reschedule_s: float = 900.0
    # on a manual connection a rescheduled run waits for `POST /sync`; once asked, it resumes at its time
    armed: bool = False


@dataclass(slots=True)
class Connection:
    id: str
    group_id: str
    service: str
    schema: str
    created_at: datetime
    connected_by: str | None
    paused: bool
    schedule_type: Literal["auto", "manual"]
    sync_frequency: int
    daily_sync_time: str | None
    succeeded_at: datetime | None
    failed_at: datetime | None
    setup_state: Literal["incomplete", "connected", "broken"]
    update_state: Literal["on_schedule", "delayed"]
    # the health the generator dealt; state moves on from it, tests use it to check the mix
    generated_health: Health
    is_historical_sync: bool = False
    tasks: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    data_delay_sensitivity: str = "NORMAL"
    data_delay_threshold: int = 0
    networking_method: str = "Directly"
    service_version: int = 1
    run: SyncRun | None = None
    scripted: list[ScriptedOutcome] = field(default_factory=list)
    runs_started: int = 0
    # a re-sync asked for while paused (or behind a running sync) waits for the resume (or its end)
    pending_resync: Resync | None = None
    # built on first use: 10,000 connections' schema configs are not generated up front
    schema_config: dict[str, Any] | None = None
    # every column of a table as the source has it, keyed (schema, table); built on first use
    source_columns: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # how long the next schema reloads take (simulated seconds), set by a test
    reload_scripted: list[float] = field(default_factory=list)


@dataclass(slots=True)
class Webhook:
    id: str
    type: Literal["account", "group"]
    url: str
    events: list[str]
    active: bool
    secret: str | None
    created_at: datetime
    created_by: str
    group_id: str | None = None
