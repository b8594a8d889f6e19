"""The polling watcher: for accounts without webhooks, diff account snapshots into alert events.

What it saw last lives in the database (watch_state), so a restart neither repeats nor misses a
transition, and replicas share one view. Each transition is claimed under a key built only from what every
replica reads identically: the sync timestamps for sync ends, otherwise the stored previous state's
`seen_at` (the moment that state was first recorded, in the shared table). Two replicas that read the same
previous state derive the same key; one that reads after the other stored the new state sees no change.

Events are announced before the new state is stored: a crash in between repeats the keys, and the claims
(already done) keep them from being posted twice.

Bad data never becomes a flood:
- a failed snapshot fetch (a Fivetran outage) produces nothing and leaves the stored state alone;
- a snapshot in which an implausible share of connectors changed at once (`Suspicion`) is held back for
  one poll: nothing announced, nothing stored. If the next snapshot shows the same thing it is believed
  and announced (a real mass outage is told one interval late); a glitch that has gone is never told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.clock import Now, Sleep, utcnow
from bot.fivetran.errors import FivetranError
from bot.fivetran.models import Connection
from bot.keys import source_of
from bot.services.alerts.events import AlertEvent, AlertKind, claim_key
from bot.services.alerts.hub_reach import reach_events
from bot.services.pipelines.gcpause import collector_paused
from bot.services.pipelines.health import Health
from bot.services.pipelines.hub_health import HVR_SERVICE, NO_ERROR_TIME
from bot.services.pipelines.hub_views import JobError
from bot.services.pipelines.snapshot import AccountSnapshot, Snapshots
from bot.services.pipelines.sources import unreachable_reason
from bot.services.runtime.background import Periodic
from bot.services.runtime.foreground import Foreground
from bot.storage.watch_state import WatchState, WatchStateRepo

log = logging.getLogger(__name__)

Handle = Callable[[AlertEvent], Awaitable[object]]
# A failing HVR channel's job and the last error in its log (bot/services/pipelines/hub_views.py)
LastError = Callable[[str], Awaitable[JobError | None]]

FAILURE_HEALTHS = frozenset({Health.BROKEN.value, Health.FAILING.value})
# Fivetran's webhooks tell everything but delays; with webhooks on, the poller adds only what they lack.
KINDS_WITHOUT_WEBHOOKS = frozenset(AlertKind) - {AlertKind.SYNC_STARTED}
KINDS_WITH_WEBHOOKS = frozenset({AlertKind.DELAYED})
# Connections observed between two yields to the loop (~4 ms here)
OBSERVE_CHUNK = 1000


@dataclass(frozen=True)
class Suspicion:
    """More than `share` of the compared connectors changed, and at least `min_changed` of them."""

    share: float = 0.5
    min_changed: int = 10

    def applies(self, changed: int, compared: int) -> bool:
        return changed >= self.min_changed and changed > self.share * compared


@dataclass
class PollResult:
    ok: bool  # False: no snapshot (Fivetran unreachable)
    events: list[AlertEvent] = field(default_factory=list)
    announced: int = 0  # events this replica claimed and posted
    held: bool = False  # the snapshot looked implausible and was held back
    baselined: int = 0  # connections seen for the first time, stored without an alert
    observed: int = 0  # connections whose fields were read; the rest were the objects of a quiet last poll


def observe(connection: Connection, health: Health) -> dict[str, Any]:
    """The part of a connection whose change is news. sync_state is left out: it flips every sync.

    Runs for every connection on the first polls, then only for those whose objects are not those of a
    quiet last poll (`Watcher._diff`); written out plainly, since a first poll runs it 10,000 times."""
    status = connection.status
    failed_at = connection.failed_at
    succeeded_at = connection.succeeded_at
    return {
        "health": health.value,
        "setup_state": status.setup_state,
        "update_state": status.update_state,
        "paused": bool(connection.paused),
        "failed_at": None if failed_at is None else failed_at.isoformat(),
        "succeeded_at": None if succeeded_at is None else succeeded_at.isoformat(),
    }


def _task(connection: Connection) -> str | None:
    return next((t.message for t in connection.status.tasks if t.message), None)


def transitions(
    previous: WatchState, current: Mapping[str, Any], connection: Connection, at: datetime
) -> list[AlertEvent]:
    """The events between two observations of one connection, in the order they should be told."""
    before = previous.state
    cid = connection.id
    moved = f"{before.get('health')}->{current['health']}@{previous.seen_at.isoformat()}"
    found: list[AlertEvent] = []

    def add(kind: AlertKind, when: datetime, discriminator: str, message: str | None = None) -> None:
        found.append(
            AlertEvent(
                connection_id=cid,
                kind=kind,
                at=when,
                key=claim_key("transition", cid, kind.value, discriminator),
                source="poll",
                message=message,
                connector_name=connection.name,
                group_id=connection.group_id,
                service=connection.service,
            )
        )

    failed_moved = current["failed_at"] is not None and current["failed_at"] != before.get("failed_at")
    succeeded_moved = current["succeeded_at"] is not None and current["succeeded_at"] != before.get(
        "succeeded_at"
    )
    # An HVR channel whose hub wrote no error time (a RETRY job) keeps the same failed_at through every
    # failure: entering failure is then the news, told once per transition, at the poll's time.
    timeless = connection.service == HVR_SERVICE and connection.failed_at == NO_ERROR_TIME
    entered = before.get("health") not in FAILURE_HEALTHS and current["health"] in FAILURE_HEALTHS
    if current["setup_state"] == "broken" and before.get("setup_state") != "broken":
        add(AlertKind.BROKE, at, moved, _task(connection))
    elif timeless:
        if entered:
            add(AlertKind.SYNC_FAILED, at, moved)
    elif failed_moved and current["health"] in FAILURE_HEALTHS and connection.failed_at is not None:
        add(AlertKind.SYNC_FAILED, connection.failed_at, current["failed_at"], _task(connection))
    if before.get("health") in FAILURE_HEALTHS and current["health"] not in FAILURE_HEALTHS:
        add(
            AlertKind.RECOVERED,
            connection.succeeded_at if succeeded_moved and connection.succeeded_at else at,
            moved,
        )
    if succeeded_moved and connection.succeeded_at is not None:
        add(AlertKind.SYNC_SUCCEEDED, connection.succeeded_at, current["succeeded_at"])
    if current["update_state"] == "delayed" and before.get("update_state") != "delayed":
        add(AlertKind.DELAYED, at, moved)
    if current["paused"] != bool(before.get("paused")):
        add(AlertKind.PAUSED if current["paused"] else AlertKind.RESUMED, at, moved)
    return found


class Watcher:
    def __init__(
        self,
        *,
        snapshots: Snapshots,
        state: WatchStateRepo,
        handle: Handle,
        interval: float,
        max_age: float = 0.0,
        kinds: frozenset[AlertKind] = KINDS_WITHOUT_WEBHOOKS,
        suspicion: Suspicion | None = None,
        sleep: Sleep = asyncio.sleep,
        hubs: Mapping[str, str] | None = None,
        last_error: LastError | None = None,
        now: Now = utcnow,
        foreground: Foreground | None = None,
    ) -> None:
        """`hubs`: the HVR hubs among the sources, {source: hub name}. Hubs send no webhooks, so their
        channels' events are all told from polling whatever `kinds` says; a hub that cannot be reached is
        one alert (bot/services/alerts/hub_reach.py); a failure names the failing job and its last error,
        read by `last_error` (the channel's jobs and that job's log) only when the failure is news.
        `foreground`: the requests being handled; a poll's pass over the snapshot waits behind them."""
        self._snapshots = snapshots
        self._state = state
        self._handle = handle
        self.interval = interval
        self._max_age = max_age
        self._kinds = kinds
        self._suspicion = suspicion or Suspicion()
        self._held = False
        self.polls = 0
        self._hubs = dict(hubs or {})
        self._last_error = last_error
        self._now = now
        # Per connection, what its last comparison was made of, when it found nothing new: the snapshot's
        # connection object, the stored state object, the health. A snapshot shares the objects of
        # connections that did not change (`SnapshotCache`), and `WatchStateRepo` hands back the same
        # state object while its row is unchanged, so in a quiet account all three are the very objects
        # seen last poll and the comparison is skipped. Another replica's write moves the table's change
        # counter, so the repo reads its row again, a new state object: the memo can never hide it.
        # Rebuilt every poll, it holds only current connections.
        self._quiet: dict[str, tuple[Connection, WatchState, Health]] = {}
        self._foreground = foreground or Foreground()

        # a failed poll is logged and the next one repeats what it missed
        self._loop = Periodic("watcher", self._poll, every=interval, sleep=sleep)

    def _wanted(self, event: AlertEvent) -> bool:
        return event.kind in (
            KINDS_WITHOUT_WEBHOOKS if source_of(event.connection_id) in self._hubs else self._kinds
        )

    async def _named(self, event: AlertEvent) -> AlertEvent:
        """A hub channel's failure with its job and last error; as it was when the hub cannot say."""
        if self._last_error is None or event.service != HVR_SERVICE or not event.kind.is_failure:
            return event
        if event.about_source:
            return event
        try:
            found = await self._last_error(event.connection_id)
        except FivetranError as error:
            log.warning("watcher: no last error for %s (%s)", event.connection_id, error)
            return event
        return event if found is None else replace(event, message=found.line())

    async def _unreachable_hub(self, error: FivetranError) -> PollResult:
        """No snapshot at all: when it is a hub that failed (the only source, or every one), that is
        still its one alert; anything else produces nothing, as before."""
        if error.source not in self._hubs:
            return PollResult(ok=False)
        seen = await self._state.get_all()
        only = {error.source: self._hubs[error.source]}
        events, states = reach_events(only, {error.source: unreachable_reason(error)}, seen, self._now())
        announced = 0
        for event in events:
            if await self._handle(event):
                announced += 1
        if states:
            await self._state.put_many(states)
        return PollResult(ok=False, events=events, announced=announced)

    async def poll_once(self) -> PollResult:
        self.polls += 1
        try:
            snapshot = await self._snapshots.get(max_age=self._max_age)
        except FivetranError as error:
            log.warning("watcher: no snapshot this time, so no alerts (%s)", error)
            return await self._unreachable_hub(error)
        # The snapshot is often one a person's `/hvr list` waits on too (a shared fetch): the pass over it
        # (reading the stored states, comparing every connection, writing) runs after their answers.
        await self._foreground.behind()
        # A quiet poll reads no stored row (the repo reads only what was written since it last looked),
        # but a first read or a mass change reads 10,000, as many row objects (in the driver's thread)
        # and the diff more besides, none in a cycle, all gone when it ends. With the collector on, the
        # young collections meanwhile promote them to the long-lived generation, whose 25 % growth rule
        # then set off a full collection (~100 ms over the whole process) every few polls. Paused, they
        # die young and uncounted (bot/services/pipelines/gcpause.py, as the snapshot fetch does).
        with collector_paused():
            seen = await self._state.get_all()
            events, changed, new, observed = await self._diff(snapshot, seen)
        reached, reach_states = reach_events(self._hubs, snapshot.unreachable, seen, snapshot.fetched_at)
        # routine sync ends are not suspicious, however many: only changes of state count
        moved = len({e.connection_id for e in events if e.kind is not AlertKind.SYNC_SUCCEEDED})
        compared = len(snapshot.connections) - len(new)
        if self._suspicion.applies(moved, compared) and not self._held:
            self._held = True
            log.warning(
                "watcher: %d of %d connectors changed at once; holding this snapshot back until the next "
                "one confirms it",
                moved,
                compared,
            )
            return PollResult(ok=True, events=events, held=True, observed=observed)
        self._held = False
        announced = 0
        for event in [*reached, *events]:
            if self._wanted(event) and await self._handle(await self._named(event)):
                announced += 1
        await self._state.put_many({**changed, **new, **reach_states})
        return PollResult(
            ok=True,
            events=[*reached, *events],
            announced=announced,
            baselined=len(new),
            observed=observed,
        )

    async def _diff(
        self, snapshot: AccountSnapshot, seen: Mapping[str, WatchState]
    ) -> tuple[list[AlertEvent], dict[str, dict[str, Any]], dict[str, dict[str, Any]], int]:
        """Events, changed states, first sights, and how many connections had to be observed. Observing
        is ~4 µs a connection: the loop is let run every `OBSERVE_CHUNK`, so a first poll (or a mass
        change) of 10,000 never holds a command up for the whole of it."""
        events: list[AlertEvent] = []
        changed: dict[str, dict[str, Any]] = {}
        new: dict[str, dict[str, Any]] = {}
        was_quiet = self._quiet
        quiet: dict[str, tuple[Connection, WatchState, Health]] = {}
        health = snapshot.health
        observed = 0
        for cid, connection in snapshot.connections.items():
            previous = seen.get(cid)
            memo = was_quiet.get(cid)
            if memo is not None and memo[0] is connection and memo[1] is previous and memo[2] is health[cid]:
                quiet[cid] = memo  # the same objects as when they last compared equal: still equal
                continue
            observed += 1
            if observed % OBSERVE_CHUNK == 0:
                await asyncio.sleep(0)
            current = observe(connection, health[cid])
            if previous is None:
                new[cid] = current  # first sight (first run, or a new connector): a baseline, not news
            elif previous.state != current:
                changed[cid] = current
                events += transitions(previous, current, connection, snapshot.fetched_at)
            else:
                quiet[cid] = (connection, previous, health[cid])
        self._quiet = quiet
        return events, changed, new, observed

    @property
    def remembered(self) -> int:
        """Connections whose last quiet comparison is kept: never more than the last snapshot had."""
        return len(self._quiet)

    # --- running at the interval ------------------------------------------------------------------

    def start(self) -> None:
        """Polls every `interval` seconds in the background; does nothing when the interval is 0."""
        if self.interval > 0:
            self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _poll(self) -> None:
        await self.poll_once()
