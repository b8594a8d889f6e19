"""The simulated hub's state: channels, locations, jobs and events, deterministic from a seed.

The mix, in order over the channels: a failing integrate job (with a last error), a retrying job, a
suspended channel, a not-activated channel (no jobs), a delayed channel (latency over its SLA), a refresh
running; the rest healthy. Refresh and compare events end DONE `EVENT_SECONDS` simulated seconds later.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.simulator.clock import Clock

HUB = "hvrhub"
USERNAME = PASSWORD = "demo"
EVENT_SECONDS = 30.0
SLA_SECONDS = 600
_WORDS = ("orders", "billing", "crm", "inventory", "hr", "ledger", "events", "shipping", "claims", "payroll")


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class SimEvent:
    ev_id: str
    type: str
    channel: str
    job: str
    tables: list[str]
    ends_at: datetime
    state: str = "ACTIVE"
    response: str | None = None  # why it failed or was canceled, as the hub says it


@dataclass(frozen=True)
class SimRequest:
    """One request as the hub received it: what tests assert on and check against the definition."""

    method: str
    path: str
    params: dict[str, list[str]]
    body: Any  # the JSON body, None when there was none


REQUESTS_KEPT = 10_000  # a long demo keeps the latest only


@dataclass
class Hub:
    clock: Clock
    channels: int = 8
    seed: int = 7
    token_seconds: int = 900
    password: str = PASSWORD  # what `POST /auth/v1/password` accepts for USERNAME (a test's own secret)
    defs: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # jobs a start does not mend (`/_sim/keep_failing`): each start fails them again, with this error
    stubborn: dict[str, str] = field(default_factory=dict)
    # a channel's next refresh or compare refused (`/_sim/refuse_event`): {channel: (status, error text)}
    refusals: dict[str, tuple[int, str]] = field(default_factory=dict)
    # locations whose connection test fails (`/_sim/unreachable_location`): {location: the hub's error text}
    unreachable: dict[str, str] = field(default_factory=dict)
    events: dict[str, SimEvent] = field(default_factory=dict)
    tokens: dict[str, datetime] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    stats: Counter[str] = field(default_factory=Counter)
    requests: deque[SimRequest] = field(default_factory=lambda: deque(maxlen=REQUESTS_KEPT))

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        for index in range(self.channels):
            name = _WORDS[index % len(_WORDS)] + (str(index // len(_WORDS)) if index >= len(_WORDS) else "")
            tables = sorted(rng.sample(["customers", "orders", "lines", "items", "accounts", "notes"], 3))
            self.defs[name] = {
                "description": f"{name} to the warehouse",
                "loc_groups": {"SOURCE": {"members": [f"{name}_src"]}, "TARGET": {"members": ["dwh"]}},
                "tables": {t: {"base_name": t.upper()} for t in tables},
                "actions": [
                    {"loc_scope": "SOURCE", "table_scope": "*", "type": "Capture"},
                    {"loc_scope": "TARGET", "table_scope": "*", "type": "Integrate"},
                    {
                        "loc_scope": "*",
                        "table_scope": "*",
                        "type": "Scheduling",
                        "params": {"LatencySLA": SLA_SECONDS},
                    },
                ],
            }
            role = index % 7
            if role == 3:  # not activated: no jobs
                continue
            cap, integ = f"{name}-cap-{name}_src", f"{name}-integ-dwh"
            self.jobs[cap] = {"state": "RUNNING", "num_retries": 0, "latency": rng.randint(1, 30)}
            self.jobs[integ] = {"state": "RUNNING", "num_retries": 0, "latency": rng.randint(1, 60)}
            if role == 1:
                self.fail(integ, "F_JD0A2E: ORA-01017: invalid username/password; logon denied")
            elif role == 2:
                self.jobs[integ].update(state="RETRY", num_retries=2)
            elif role == 4:
                self.jobs[cap]["state"] = self.jobs[integ]["state"] = "SUSPEND"
            elif role == 5:
                self.jobs[integ]["latency"] = SLA_SECONDS * 3
            elif role == 6:
                self.post_event("Refresh", name, tables, "refr")

    def locations(self) -> dict[str, Any]:
        locs: dict[str, Any] = {
            "dwh": {"props": {"Class": "snowflake", "Agent_Host": "dwh-agent", "Agent_Port": 4343}}
        }
        for name in self.defs:
            locs[f"{name}_src"] = {
                "props": {"Class": "oracle", "Agent_Host": f"{name}-db", "Agent_Port": 4343}
            }
        return locs

    def fail(self, job: str, error: str) -> None:
        self.jobs[job].update(state="FAILED", num_retries=self.jobs[job].get("num_retries", 0) + 1)
        self.jobs[job]["log_job_err_tstamp"] = stamp(self.clock.now())
        self.errors[job] = error

    def recover(self, job: str) -> None:
        self.jobs[job].update(state="RUNNING", num_retries=0)
        self.errors.pop(job, None)
        self.stubborn.pop(job, None)

    def keep_failing(self, job: str, error: str) -> None:
        """The job is failed now and fails again each time it is started, until `recover`."""
        self.fail(job, error)
        self.stubborn[job] = error

    def start(self, job: str) -> None:
        """`jobs_start` of a failed or running job: it runs again, or a stubborn one fails again at once."""
        if job in self.stubborn:
            self.fail(job, self.stubborn[job])
            return
        self.jobs[job].update(state="RUNNING", num_retries=0)
        self.errors.pop(job, None)

    def log_lines(self, job: str) -> list[str]:
        started = stamp(self.clock.now() - timedelta(hours=1))
        lines = [f"{started}: hvr: Job {job} started.", f"{started}: hvr: Scanning transaction files."]
        error = self.errors.get(job)
        if error is not None:
            lines.append(f"{self.jobs[job].get('log_job_err_tstamp', started)}: hvr: {error}")
        return lines

    def login(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.tokens[access] = self.clock.now() + timedelta(seconds=self.token_seconds)
        self.refresh_tokens.add(refresh)
        return {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": self.token_seconds,
            "refresh_token": refresh,
        }

    def valid(self, access: str) -> bool:
        expires = self.tokens.get(access)
        return expires is not None and self.clock.now() < expires

    def expire_tokens(self) -> None:
        for access in self.tokens:
            self.tokens[access] = self.clock.now()

    def post_event(self, kind: str, channel: str, tables: list[str], short: str) -> SimEvent:
        now = self.clock.now()
        ev_id = stamp(now + timedelta(microseconds=len(self.events)))
        event = SimEvent(
            ev_id,
            kind,
            channel,
            f"{channel}-{short}-{channel}_src-dwh",
            tables,
            now + timedelta(seconds=EVENT_SECONDS),
        )
        self.events[ev_id] = event
        # the event runs as a job of the channel (`<chn>-refr-<src>-<tgt>`), which the jobs list shows
        self.jobs[event.job] = {"state": "RUNNING", "num_retries": 0}
        return event

    def tick(self) -> None:
        for event in self.events.values():
            if event.state == "ACTIVE" and self.clock.now() >= event.ends_at:
                event.state = "DONE"
                self.jobs.pop(event.job, None)  # a refresh or compare job is gone once it has run

    def end_event(self, ev_id: str, state: str, response: str) -> bool:
        """A test's control: the event FAILED or CANCELED now (its job gone); False when it is not ACTIVE."""
        event = self.events.get(ev_id)
        if event is None or event.state != "ACTIVE":
            return False
        event.state, event.response = state, response
        self.jobs.pop(event.job, None)
        return True

    def refreshing(self, channel: str) -> bool:
        self.tick()
        return any(
            e.state == "ACTIVE" and e.type == "Refresh" and e.channel == channel for e in self.events.values()
        )

    def event_json(self, event: SimEvent) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": event.type,
            "state": event.state,
            "channel": event.channel,
            "job": event.job,
            "user": USERNAME,
            "description": f"{event.type} of {event.channel}",
            "start_tstamp": stamp(event.ends_at - timedelta(seconds=EVENT_SECONDS)),
        }
        if event.response is not None:
            body["response"] = event.response
        if event.state != "ACTIVE":
            body["finish_tstamp"] = stamp(min(event.ends_at, self.clock.now()))
            if event.type == "Compare" and event.state == "DONE":
                body["results"] = [
                    {"table": t, "result": "compare_state", "value": "different" if i == 0 else "identical"}
                    for i, t in enumerate(event.tables)
                ]
        return body
