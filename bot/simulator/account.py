"""The generated account: groups named like destinations, connections of real service types with a
realistic mix of health. Deterministic for a seed and a start time; 10,000 connections take a fraction
of a second, because schema configs are left for first use.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random

from bot.simulator.model import Connection, Group, Health, SyncRun
from bot.simulator.names import (
    BROKEN_TASKS,
    ENVIRONMENTS,
    FAILURE_REASONS,
    FIRST_WORDS,
    NAME_SUFFIXES,
    SECOND_WORDS,
    SERVICES,
    USUAL_GROUPS,
    WAREHOUSES,
    WARNINGS,
)

# Share of each unhealthy kind; the rest are healthy (about 80%).
HEALTH_SHARES: dict[Health, float] = {
    "broken": 0.04,
    "failing": 0.04,
    "delayed": 0.03,
    "paused": 0.04,
    "rescheduled": 0.02,
    "incomplete": 0.03,
}
FREQUENCIES: tuple[int, ...] = (5, 15, 30, 60, 120, 180, 360, 480, 720, 1440)
_FREQUENCY_WEIGHTS: tuple[int, ...] = (3, 10, 8, 25, 8, 8, 18, 3, 5, 12)
_SERVICE_WEIGHTS = [s.weight for s in SERVICES]


class IdMaker:
    """Fivetran-style ids (`decidedly_conventional`), unique across everything in the account."""

    def __init__(self, rng: Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def new(self) -> str:
        for _ in range(20):
            candidate = f"{self._rng.choice(FIRST_WORDS)}_{self._rng.choice(SECOND_WORDS)}"
            if candidate not in self._used:
                break
        else:  # the pair space is nearly full: a number keeps the id unique
            candidate = f"{candidate}{len(self._used)}"
        self._used.add(candidate)
        return candidate


@dataclass(slots=True)
class Account:
    account_id: str
    account_name: str
    user_id: str
    groups: dict[str, Group]
    connections: dict[str, Connection]
    ids: IdMaker
    users: list[str] = field(default_factory=list)


def _healths(rng: Random, n: int) -> list[Health]:
    # Exact counts, then shuffled: even a 60-connection demo shows every kind of trouble.
    dealt: list[Health] = []
    for health, share in HEALTH_SHARES.items():
        dealt += [health] * max(1 if n >= 20 else 0, round(n * share))
    dealt = dealt[:n]
    dealt += ["healthy"] * (n - len(dealt))
    rng.shuffle(dealt)
    return dealt


def _group_names(rng: Random, count: int) -> list[str]:
    # The usual destinations first, then every other warehouse/environment pair, then numbered teams.
    usual = list(USUAL_GROUPS)
    rng.shuffle(usual)
    others = [f"{w} {e}" for e in ENVIRONMENTS for w in WAREHOUSES if f"{w} {e}" not in USUAL_GROUPS]
    rng.shuffle(others)
    names = usual + others
    return names[:count] + [f"{WAREHOUSES[i % len(WAREHOUSES)]} Team {i}" for i in range(len(names), count)]


def generate_account(*, seed: int, groups: int, connections: int, now: datetime) -> Account:
    if groups < 1:
        raise ValueError("an account needs at least one group")
    rng = Random(seed)
    ids = IdMaker(rng)
    users = [ids.new() for _ in range(6)]
    account = Account(ids.new(), "Acme Data (simulated)", users[0], {}, {}, ids, users)
    for name in _group_names(rng, groups):
        gid = ids.new()
        account.groups[gid] = Group(gid, name, now - timedelta(days=rng.uniform(400, 1500)))
    group_ids = list(account.groups)
    # Earlier groups hold more connections, as a "Prod" destination usually does.
    group_weights = [len(group_ids) - i + 1 for i in range(len(group_ids))]
    names_in_group: dict[str, set[str]] = {g: set() for g in group_ids}
    for health in _healths(rng, connections):
        group_id = rng.choices(group_ids, group_weights)[0]
        service = rng.choices(SERVICES, _SERVICE_WEIGHTS)[0]
        name = _connection_name(rng, service.name, names_in_group[group_id])
        conn = _connection(rng, ids.new(), group_id, service.name, name, health, now, users)
        account.connections[conn.id] = conn
    _some_manual(list(account.connections.values()))
    return account


def _some_manual(conns: list[Connection]) -> None:
    """However the dice fell (about 1 in 12 is manual), an account of 10 or more has a manual-schedule
    connection, and when two or more syncs are rescheduled, one of them is on a manual connection: it waits for a
    `POST /sync`, as on a real account. Changed from the end, so the first of each health stays put."""
    if len(conns) < 10:
        return
    want = 1 - sum(c.schedule_type == "manual" for c in conns)
    for conn in reversed(conns):
        if want <= 0:
            break
        if conn.generated_health == "healthy" and conn.schedule_type == "auto":
            conn.schedule_type = "manual"
            want -= 1
    rescheduled = [c for c in conns if c.generated_health == "rescheduled"]
    if len(rescheduled) >= 2 and all(c.schedule_type == "auto" for c in rescheduled):
        rescheduled[-1].schedule_type = "manual"


def _connection_name(rng: Random, prefix: str, taken: set[str]) -> str:
    candidates = [prefix] if prefix not in taken and rng.random() < 0.3 else []
    candidates += [f"{prefix}_{rng.choice(NAME_SUFFIXES)}" for _ in range(4)]
    for name in candidates:
        if name not in taken:
            break
    else:
        n = 2
        while (name := f"{candidates[-1]}_{n}") in taken:
            n += 1
    taken.add(name)
    return name


def _connection(
    rng: Random,
    cid: str,
    group_id: str,
    service: str,
    name: str,
    health: Health,
    now: datetime,
    users: list[str],
) -> Connection:
    freq = rng.choices(FREQUENCIES, _FREQUENCY_WEIGHTS)[0]
    period = timedelta(minutes=freq)
    conn = Connection(
        id=cid,
        group_id=group_id,
        service=service,
        schema=name,
        created_at=now,
        connected_by=None if rng.random() < 0.05 else rng.choice(users),
        paused=False,
        schedule_type="manual" if rng.random() < 0.08 else "auto",
        sync_frequency=freq,
        daily_sync_time=f"{rng.randrange(24):02d}:00" if freq == 1440 and rng.random() < 0.7 else None,
        succeeded_at=now - period * rng.uniform(0.1, 0.95),
        failed_at=None,
        setup_state="connected",
        update_state="on_schedule",
        generated_health=health,
    )
    if health == "healthy":
        if rng.random() < 0.3:  # failed once, long ago, and recovered since
            conn.failed_at = now - timedelta(days=rng.uniform(1, 30))
        if rng.random() < 0.05:
            code, message = rng.choice(WARNINGS)
            conn.warnings.append({"code": code, "message": message, "details": message})
    elif health == "failing":
        conn.failed_at = now - period * rng.uniform(0.05, 0.9)
        conn.succeeded_at = conn.failed_at - timedelta(hours=rng.uniform(1, 48))
        # as a failed sync leaves it (state.SYNC_FAILED_WARNING): the reason people need to act on
        reason = rng.choice(FAILURE_REASONS)
        conn.warnings.append({"code": "sync_failed", "message": reason, "details": reason})
    elif health == "broken":
        code, message = rng.choice(BROKEN_TASKS)
        conn.setup_state = "broken"
        conn.tasks.append({"code": code, "message": message, "details": message})
        conn.failed_at = now - timedelta(hours=rng.uniform(1, 72))
        conn.succeeded_at = conn.failed_at - timedelta(days=rng.uniform(1, 10))
    elif health == "delayed":
        conn.update_state = "delayed"
        conn.succeeded_at = now - max(period * rng.uniform(3, 8), timedelta(hours=rng.uniform(3, 12)))
    elif health == "paused":
        conn.paused = True
        conn.succeeded_at = now - timedelta(days=rng.uniform(2, 60))
    elif health == "rescheduled":
        started = now - timedelta(minutes=rng.uniform(5, 30))
        sync_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        conn.run = SyncRun(
            sync_id=sync_id,
            started_at=started,
            phase="rescheduled",
            phase_ends_at=now + timedelta(minutes=rng.uniform(10, 180)),
            outcome="success",
            historical=False,
            resume_duration_s=rng.uniform(60, 600),
        )
    elif health == "incomplete":
        conn.setup_state = "incomplete"
        conn.succeeded_at = None
    first_seen = min(t for t in (conn.succeeded_at, conn.failed_at, now) if t is not None)
    conn.created_at = first_seen - timedelta(days=rng.uniform(0.5, 400))
    return conn
