"""Real-time alerts: watch subscriptions, and what each event becomes in each watching channel.

Every event is claimed once in the database before anything is posted (`handle`), so a webhook
redelivery, a transition seen by two replicas, or both at once post it once. The webhook route runs both
steps before it answers: it claims (`claim`), then `deliver_webhook` decides what each channel is owed and
writes it to the outbox in one transaction with the claim's completion and the alert records
(`Database.unit`), so what Fivetran got a 2xx for is on record; the deliverer sends it when Slack takes it.
A delivery that fails releases the claim and raises, so the webhook answers 503 and Fivetran's redelivery
is not a "duplicate". The webhook decides with the last snapshot it has rather than waiting for a fresh
one: Fivetran's request must not hang on Fivetran's API.

Per channel, a failure opens an alert (one open per connector and channel, kept in the database); a
failure while one is open updates it in place instead of posting again; a recovery replies in the alert's
thread and turns the alert into the story of the outage. Flapping connectors are summarised (`flapping`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.blocks.alerts import (
    render_alert,
    render_flapping,
    render_recovered_update,
    render_recovery_reply,
    watch_events,
)
from bot.clock import Now
from bot.commands.watch_commands import WatchAdd
from bot.fivetran.errors import FivetranError
from bot.fivetran.models import Connection
from bot.services.alerts.events import AlertEvent, AlertKind, WatchEvent
from bot.services.alerts.flapping import FlapPolicy, FlapVerdict
from bot.services.alerts.hub_reach import reach_row
from bot.services.alerts.incident_views import alert_view
from bot.services.alerts.incidents import IncidentService
from bot.services.pipelines.selectors import matches, store_selector, subscription_selector
from bot.services.pipelines.snapshot import AccountSnapshot, RecentSnapshots
from bot.services.runtime.holders import new_holder
from bot.services.runtime.posting import ChannelPoster, PostError
from bot.storage.alert_messages import AlertMessageRepo
from bot.storage.claims import EventClaimRepo
from bot.storage.subscriptions import Subscription, SubscriptionRepo

log = logging.getLogger(__name__)

# Long enough to decide and record an event; a holder that dies is replaced after this.
CLAIM_LEASE_S = 120.0
# An event waits for the snapshot (selectors, names) this long at most; a webhook only before the first.
SNAPSHOT_TIMEOUT_S = 10.0

Unit = Callable[[], AbstractAsyncContextManager[None]]


def _no_unit() -> AbstractAsyncContextManager[None]:
    return contextlib.nullcontext()


@dataclass
class _Target:
    """One channel an event goes to: the union of what its matching watches asked for."""

    subscription_id: str
    events: set[WatchEvent] = field(default_factory=set)


class AlertObserver(Protocol):
    """Told how each alert and each of its channel deliveries ended (BotMetrics counts them)."""

    def alert_delivered(self, outcome: str) -> None: ...

    def alert_channel(self, outcome: str) -> None: ...


class _Unobserved:
    def alert_delivered(self, outcome: str) -> None:
        pass

    def alert_channel(self, outcome: str) -> None:
        pass


class AlertService:
    def __init__(
        self,
        *,
        subscriptions: SubscriptionRepo,
        claims: EventClaimRepo,
        alert_messages: AlertMessageRepo,
        snapshots: RecentSnapshots,
        poster: ChannelPoster,
        incidents: IncidentService,
        now: Now = lambda: datetime.now(UTC),
        holder: str | None = None,
        flapping: FlapPolicy | None = None,
        timezone: str = "UTC",
        observer: AlertObserver | None = None,
        unit: Unit = _no_unit,
        snapshot_timeout_s: float = SNAPSHOT_TIMEOUT_S,
    ) -> None:
        self._subscriptions = subscriptions
        self._claims = claims
        self._alerts = alert_messages
        self._snapshots = snapshots
        self._poster = poster
        self.incidents = incidents
        self._now = now
        self.holder = holder or new_holder()
        self._flapping = flapping or FlapPolicy()
        self._timezone = timezone
        self._observer = observer or _Unobserved()
        self._unit = unit
        self._snapshot_timeout_s = snapshot_timeout_s
        self._refreshing: asyncio.Task[None] | None = None

    # --- watch commands ------------------------------------------------------------------------------

    async def add_watch(self, channel: str, user: str, cmd: WatchAdd) -> Subscription:
        """Stores the watch; the same watch asked for twice in a channel is the existing one, not a copy."""
        selector = store_selector(cmd.selector)
        events = [e.value for e in cmd.events]
        for existing in await self._subscriptions.list_for_channel(channel, "watch"):
            if existing.selector == selector and list(existing.options.get("events") or []) == events:
                return existing
        return await self._subscriptions.add(
            kind="watch",
            channel_id=channel,
            created_by=user,
            timezone=self._timezone,
            selector=selector,
            options={"events": events},
        )

    async def list_watches(self, channel: str) -> list[Subscription]:
        return await self._subscriptions.list_for_channel(channel, "watch")

    async def remove_watch(self, subscription_id: str, channel: str) -> bool:
        """False for an id that is not an active watch of this channel (a digest's id is not a watch)."""
        found = await self._subscriptions.get(subscription_id)
        if found is None or found.kind != "watch" or found.channel_id != channel or not found.active:
            return False
        return await self._subscriptions.remove(subscription_id, channel)

    # --- events --------------------------------------------------------------------------------------

    async def claim(self, event: AlertEvent) -> bool:
        """True for exactly one caller per event key (and again for a taker-over once the lease ran out)."""
        return await self._claims.try_claim(event.key, self.holder, CLAIM_LEASE_S)

    async def deliver(self, event: AlertEvent) -> None:
        """Records what a claimed event owes every channel that watches it, and marks the claim done, in
        one transaction. On failure the claim is released and the error raised: nothing was recorded, and
        the sender (Fivetran's redelivery, the watcher's next poll) tries again."""
        await self._record(event, await self._snapshot())

    async def deliver_webhook(self, event: AlertEvent) -> None:
        """`deliver` without waiting for Fivetran: with the last snapshot, however old, while a fresh one
        is fetched behind it for the next event (a connector that is not in it yet is told by id, to the
        watches without a selector). Only before the first snapshot is in does it wait, as `deliver` does,
        since without one no selector can be matched."""
        last = self._snapshots.peek()
        if last is None:
            await self._record(event, await self._snapshot())
            return
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self._refresh(), name="alerts-snapshot-refresh")
        await self._record(event, last)

    async def _refresh(self) -> None:
        try:
            await self._snapshots.get()  # at once, and no request, while the cached one is fresh
        except Exception as error:  # nobody awaits this task: what it raised is said here or never
            log.info("snapshot refresh after a webhook failed (%r); the last one stays in use", error)

    async def _record(self, event: AlertEvent, snapshot: AccountSnapshot | None) -> None:
        try:
            async with self._unit():
                await self._deliver(event, snapshot)
                if not await self._claims.complete(event.key, self.holder, "done"):
                    # taken over while we decided: the taker records it; ours must not commit too
                    raise RuntimeError(f"claim {event.key} was taken over")
        except Exception:
            log.exception("alert %s for %s could not be recorded", event.kind, event.connection_id)
            self._observer.alert_delivered("failed")
            with contextlib.suppress(Exception):
                await self._claims.release(event.key, self.holder)
            raise
        self._observer.alert_delivered("done")

    async def handle(self, event: AlertEvent) -> bool:
        """Claims and delivers; False when someone else had already claimed the event."""
        if not event.announced or not await self.claim(event):
            return False
        await self.deliver(event)
        return True

    async def _snapshot(self) -> AccountSnapshot | None:
        try:
            async with asyncio.timeout(self._snapshot_timeout_s):
                return await self._snapshots.get()
        except (FivetranError, TimeoutError) as error:
            # A webhook still gets announced when the API is down, to watches that need no snapshot.
            log.warning("no snapshot for an alert (%r); watches with selectors skip it", error)
            return None

    async def _targets(
        self, event: AlertEvent, snapshot: AccountSnapshot | None, connection: Connection | None
    ) -> dict[str, _Target]:
        targets: dict[str, _Target] = {}
        for subscription in await self._subscriptions.list_active("watch"):
            selector = subscription_selector(subscription)
            if selector is None:
                continue
            if not selector.is_empty:
                if snapshot is None or connection is None:
                    continue
                if not matches(snapshot, connection, selector):
                    continue
            events = set(watch_events(subscription))
            target = targets.setdefault(subscription.channel_id, _Target(subscription.id))
            target.events |= events
        return targets

    async def _deliver(self, event: AlertEvent, snapshot: AccountSnapshot | None) -> None:
        connection = snapshot.connections.get(event.connection_id) if snapshot is not None else None
        if event.about_source:
            # a hub that cannot be reached: watches are matched against the hub as a row
            row, with_row = reach_row(event, snapshot)
            targets = await self._targets(event, with_row, row)
        else:
            targets = await self._targets(event, snapshot, connection)
        for channel, target in targets.items():
            try:
                await self._to_channel(channel, target, event, connection, snapshot)
            except PostError as error:
                # one channel the bot was removed from must not keep the alert from the others
                log.warning("alert for %s not posted in %s: %s", event.connection_id, channel, error.code)
                self._observer.alert_channel("slack_refused")
            else:
                self._observer.alert_channel("ok")

    async def _to_channel(
        self,
        channel: str,
        target: _Target,
        event: AlertEvent,
        connection: Connection | None,
        snapshot: AccountSnapshot | None,
    ) -> None:
        kind, wants = event.kind, target.events
        if kind.is_failure and WatchEvent.FAILURES in wants:
            await self._failure(channel, target, event, connection, snapshot)
            return
        if kind.ends_failure and WatchEvent.RECOVERIES in wants:
            if await self._recovery(channel, event, connection, snapshot):
                return
            if kind is AlertKind.RECOVERED and WatchEvent.FAILURES not in wants:
                # this channel never saw the failure (it watches recoveries only): tell it plainly
                await self._post(channel, event, connection, snapshot)
                return
        plain = (
            (kind.is_sync_end and WatchEvent.SYNCS in wants)
            or (kind is AlertKind.DELAYED and WatchEvent.DELAYS in wants)
            or (kind in (AlertKind.PAUSED, AlertKind.RESUMED) and WatchEvent.PAUSES in wants)
        )
        if plain:
            await self._post(channel, event, connection, snapshot)

    async def _post(
        self, channel: str, event: AlertEvent, connection: Connection | None, snapshot: AccountSnapshot | None
    ) -> None:
        await self._poster.post(channel, render_alert(event, connection, snapshot, now=self._now()))

    async def _failure(
        self,
        channel: str,
        target: _Target,
        event: AlertEvent,
        connection: Connection | None,
        snapshot: AccountSnapshot | None,
    ) -> None:
        now = self._now()
        cid = event.connection_id
        if await self.incidents.hold(cid, channel):
            return  # snoozed here: counted, told in the thread when the snooze ends
        open_alert = await self._alerts.find_open(cid, channel)
        if open_alert is not None:
            # still failing: keep one message current instead of a new one per failed sync
            incident = await self.incidents.incident(open_alert)
            again = render_alert(
                event, connection, snapshot, now=now, since=open_alert.opened_at, incident=incident
            )
            await self._poster.update(channel, open_alert.ts, again)
            await self._alerts.set_view(open_alert.id, alert_view(event))
            return
        policy = self._flapping
        recent = await self._alerts.count_opened_since(cid, channel, now - policy.window)
        verdict = policy.verdict(recent)
        if verdict is FlapVerdict.SUPPRESS:
            log.info(
                "flapping %s in %s: failure not posted (%d alerts within the window)", cid, channel, recent
            )
            return
        flapping = (recent + 1, policy.window) if verdict is FlapVerdict.SUMMARISE else None
        message = (
            render_flapping(event, connection, snapshot, failures=recent + 1, window=policy.window, now=now)
            if flapping is not None
            else render_alert(event, connection, snapshot, now=now)
        )
        posted = await self._poster.post(channel, message)
        opened = await self._alerts.open(
            connection_id=cid,
            channel_id=channel,
            ts=posted.ts,
            subscription_id=target.subscription_id,
            view=alert_view(event, flapping=flapping),
        )
        if opened is None:
            # another event of the same outage (handled by another replica) opened one a moment earlier
            log.info("alert for %s in %s raced another; its recovery goes to the other thread", cid, channel)

    async def _recovery(
        self, channel: str, event: AlertEvent, connection: Connection | None, snapshot: AccountSnapshot | None
    ) -> bool:
        closed = await self._alerts.close(event.connection_id, channel)
        snooze = await self.incidents.recovered(channel, event.connection_id)
        if closed is None:
            return False
        now = self._now()
        reply = render_recovery_reply(event, closed, connection, now=now, held=snooze)
        await self._poster.post(channel, reply, thread_ts=closed.ts)
        update = render_recovered_update(event, closed, connection, snapshot, now=now)
        await self._poster.update(channel, closed.ts, update)
        return True
