"""Which fires are due: pure arithmetic over schedules, the clock and what the claim ledger says.

Kept apart from the timer so that tests can ask "what should fire now?" with any clock, and so that a
replica that was down, or whose peer died holding a claim, finds the same answer as one that never
stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.scheduler.schedule import Schedule
from bot.storage.fire_ledger import FireRecord

FireKey = tuple[str, datetime]  # (subscription id, fire time in UTC)
_STEP = timedelta(microseconds=1)
# A schedule fires at most every 5 minutes; this bounds the walk should a trigger misbehave.
_MAX_PER_WINDOW = 10_000


def fire_times_between(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Fire times t with start <= t <= end, in UTC."""
    trigger = schedule.trigger()
    found: list[datetime] = []
    previous: datetime | None = None
    moment = start
    while len(found) < _MAX_PER_WINDOW:
        fire: datetime | None = trigger.get_next_fire_time(previous, moment)
        if fire is None or fire > end:
            break
        if fire >= start:
            found.append(fire.astimezone(UTC))
        previous, moment = fire, fire + _STEP
    return found


def fire_times_of(
    schedules: Iterable[Schedule], start: datetime, end: datetime
) -> dict[Schedule, list[datetime]]:
    """`fire_times_between` of each distinct schedule: 200 digests `daily 09:00` in one zone are one
    schedule, walked once instead of 200 times (each walk builds a trigger and asks it twice)."""
    found: dict[Schedule, list[datetime]] = {}
    for schedule in schedules:
        if schedule not in found:
            found[schedule] = fire_times_between(schedule, start, end)
    return found


@dataclass(frozen=True)
class Plan:
    due: list[FireKey] = field(default_factory=list)  # within the grace window and not finished
    late: list[FireKey] = field(default_factory=list)  # missed by more than the grace window


def plan_fires(
    schedules: Mapping[str, Schedule],
    *,
    now: datetime,
    grace: timedelta,
    lookback: timedelta,
    ledger: Mapping[FireKey, FireRecord],
    created: Mapping[str, datetime] | None = None,
    busy: Iterable[FireKey] = (),
) -> Plan:
    """Fires to run now, and fires to report as missed.

    Due: fire times in [now - grace, now] that nobody finished and nobody holds a live lease on (a lease
    past its end means the holder died; it is taken over). Late: the same, but in
    [now - grace - lookback, now - grace): too old to post, worth a log line. Nothing before a
    subscription's `created` time is either: a digest added at 09:05 does not owe the 09:00 one.
    """
    skip = set(busy)
    due: list[FireKey] = []
    late: list[FireKey] = []
    cutoff = now - grace
    earliest = cutoff - lookback
    times = fire_times_of(schedules.values(), earliest, now)
    for subscription_id, schedule in schedules.items():
        start = earliest
        if created is not None and subscription_id in created:
            start = max(start, created[subscription_id])
        for fire_time in times[schedule]:
            if fire_time < start:
                continue
            key = (subscription_id, fire_time)
            record = ledger.get(key)
            if key in skip or (record is not None and (record.done or record.lease_until > now)):
                continue
            if fire_time >= cutoff:
                due.append(key)
            elif record is None or not record.done:
                late.append(key)
    due.sort(key=lambda key: (key[1], key[0]))
    late.sort(key=lambda key: (key[1], key[0]))
    return Plan(due, late)
