"""What a digest says, computed without I/O, and how a digest subscription's stored schedule reads back.

Pure: `bot.services.digests.service` feeds it snapshots and stored state, `bot.blocks.digest` renders it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.fivetran.models import Connection
from bot.keys import source_of
from bot.scheduler.schedule import Schedule, ScheduleError, parse_schedule
from bot.services.pipelines.health import Health, parse_health
from bot.services.pipelines.hub_health import is_hub_channel
from bot.services.pipelines.selectors import Selector, select
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.storage.subscriptions import Subscription

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    connection: Connection
    health: Health
    group_name: str
    new: bool  # not a problem (or a different one) in this subscription's previous digest


@dataclass(frozen=True)
class Change:
    """A connector that was a problem in the previous digest and is not the same problem now."""

    connection_id: str
    name: str
    before: Health | None
    after: Health | None  # None: the connector is gone from the account


@dataclass(frozen=True)
class DigestContent:
    selector: Selector
    fetched_at: datetime
    total: int
    counts: Mapping[Health, int] = field(hash=False)
    problems: tuple[Problem, ...]
    recovered: tuple[Change, ...] = ()
    changed: tuple[Change, ...] = ()  # still a problem, of another kind (failing → broken)
    gone: tuple[Change, ...] = ()
    has_previous: bool = False
    only_problems: bool = False
    # With several sources: each source's total and health counts, in configured order, and the sources
    # that could not be reached (why, in plain words); their connectors are neither counted nor gone.
    per_source: tuple[tuple[str, int, Mapping[Health, int]], ...] = ()
    unreachable: Mapping[str, str] = field(default_factory=dict, hash=False)
    # Problems of unreachable sources from the previous digest, carried over unseen: the next digest
    # compares with what was last known of them, not with nothing.
    unseen: Mapping[str, str] = field(default_factory=dict, hash=False)
    hub_channels: int = 0  # how many of the `total` are HVR channels (the title says what it covers)

    @property
    def all_healthy(self) -> bool:
        return not self.problems

    @property
    def new_problems(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.new)

    def problem_map(self) -> Mapping[str, str]:
        """What DigestStateRepo keeps for the next digest: connection id → health. Made once per content
        (every subscription that shares the content stores the same map): read-only."""
        return self._problem_map

    @cached_property
    def _problem_map(self) -> dict[str, str]:
        return {**self.unseen, **{p.connection.id: p.health.value for p in self.problems}}


def build_digest(
    snapshot: AccountSnapshot,
    selector: Selector,
    previous_problems: Mapping[str, str] | None,
    *,
    now: datetime,
    only_problems: bool,
) -> DigestContent:
    """What a digest says, from a snapshot and the previous digest's problems (None: first digest)."""
    del now  # the content is a function of the snapshot; `now` only matters to rendering
    selected = select(snapshot, selector)
    counts = {h: 0 for h in Health}
    for connection in selected:
        counts[snapshot.health[connection.id]] += 1
    before = {cid: parse_health(h) for cid, h in (previous_problems or {}).items()}
    problems = tuple(
        Problem(
            c,
            snapshot.health[c.id],
            snapshot.place(c),
            new=previous_problems is not None and before.get(c.id) is not snapshot.health[c.id],
        )
        for c in selected
        if snapshot.health[c.id].is_problem
    )
    current = {p.connection.id for p in problems}
    recovered: list[Change] = []
    changed: list[Change] = []
    gone: list[Change] = []
    unseen: dict[str, str] = {}
    for cid, was in before.items():
        if cid in current and snapshot.health[cid] is was:
            continue
        if source_of(cid) in snapshot.unreachable:
            unseen[cid] = (previous_problems or {})[cid]  # not gone: its source did not answer this time
            continue
        still = snapshot.connections.get(cid)
        if still is None:
            gone.append(Change(cid, cid, was, None))
            continue
        now_health = snapshot.health[cid]
        change = Change(cid, still.name, was, now_health)
        if not now_health.is_problem:
            recovered.append(change)
        elif cid in current:
            changed.append(change)
        # A problem of another kind that left a status: selector is neither recovered nor shown.
    order = {cid: i for i, cid in enumerate(snapshot.connections)}
    return DigestContent(
        selector=selector,
        fetched_at=snapshot.fetched_at,
        total=len(selected),
        counts=counts,
        problems=problems,
        recovered=tuple(sorted(recovered, key=lambda c: c.name.lower())),
        changed=tuple(sorted(changed, key=lambda c: c.name.lower())),
        gone=tuple(sorted(gone, key=lambda c: order.get(c.connection_id, 0))),
        has_previous=previous_problems is not None,
        only_problems=only_problems,
        per_source=_per_source(snapshot, selected, selector.sources),
        unreachable=dict(snapshot.unreachable),
        unseen=unseen,
        hub_channels=sum(is_hub_channel(c) for c in selected),
    )


def _per_source(
    snapshot: AccountSnapshot, selected: list[Connection], among: tuple[str, ...] = ()
) -> tuple[tuple[str, int, Mapping[Health, int]], ...]:
    """Each source's counts, in configured order; only the sources a `source:` selector names, if any."""
    if not snapshot.several:
        return ()
    counts: dict[str, dict[Health, int]] = {}
    for connection in selected:
        source = counts.setdefault(source_of(connection.id), {})
        health = snapshot.health[connection.id]
        source[health] = source.get(health, 0) + 1
    return tuple(
        (name, sum(counts.get(name, {}).values()), counts.get(name, {}))
        for name in snapshot.sources
        if name not in snapshot.unreachable and (not among or name in among)
    )


def subscription_schedule(sub: Subscription) -> Schedule | None:
    """The parsed schedule, or None for a row this version cannot read (logged, never fired)."""
    if sub.schedule is None:
        return None
    try:
        return parse_schedule(sub.schedule, ZoneInfo(sub.timezone))
    except (ScheduleError, ValueError, KeyError) as error:
        log.warning("digest %s has a schedule this version cannot read (%s): %s", sub.id, sub.schedule, error)
        return None


def only_problems(sub: Subscription) -> bool:
    return bool(sub.options.get("only_problems", False))


def next_fires(sub: Subscription, after: datetime, n: int = 1) -> list[datetime]:
    """The next `n` fire times strictly after `after`, in the subscription's zone (DST as the zone has it)."""
    schedule = subscription_schedule(sub)
    return [] if schedule is None else schedule.next_fire_times(after, n)
