"""Failure alerts as incidents (DESIGN section 9): acknowledge, snooze, reminders, and the snooze's end.

Every message here goes through the same `ChannelPoster` as the alerts themselves, so whatever delivers
alerts (pacing, later the outbox) delivers these too. Who may do it is the flows' business (operator role,
audited); this is what it does.

Reminders and snooze ends are driven by `tick`, which a loop runs every `interval_s` on every replica:
a reminder is claimed once per alert and period (`reminder:<alert>:<n>` in the event claims, taken over
after the lease if its holder died), a snooze's end is a conditional UPDATE only one replica wins.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.blocks.incidents import SNOOZES, Incident, render_reminder, render_snooze_summary, render_snoozed
from bot.blocks.message import Message
from bot.blocks.text import mention
from bot.clock import Now, Sleep
from bot.fivetran.errors import FivetranError
from bot.services.alerts.incident_views import pipeline_name, redraw
from bot.services.pipelines.snapshot import AccountSnapshot, Snapshots
from bot.services.runtime.background import Periodic
from bot.services.runtime.holders import new_holder
from bot.services.runtime.posting import ChannelPoster, PostError, SlackUnavailable
from bot.storage.alert_messages import AlertMessage, AlertMessageRepo
from bot.storage.claims import EventClaimRepo
from bot.storage.snoozes import Snooze, SnoozeRepo

log = logging.getLogger(__name__)

REMINDER_LEASE_S = 120.0
TICK_S = 30.0


@dataclass(frozen=True)
class Taken:
    """What a press on an alert did: the alert, and the name to tell it by."""

    alert: AlertMessage
    name: str


class IncidentService:
    def __init__(
        self,
        *,
        alert_messages: AlertMessageRepo,
        snoozes: SnoozeRepo,
        claims: EventClaimRepo,
        snapshots: Snapshots,
        poster: ChannelPoster,
        renotify: timedelta | None = timedelta(hours=4),
        now: Now = lambda: datetime.now(UTC),
        holder: str | None = None,
        interval_s: float = TICK_S,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._alerts = alert_messages
        self.snoozes = snoozes
        self._claims = claims
        self._snapshots = snapshots
        self._poster = poster
        self.renotify = renotify if renotify and renotify > timedelta(0) else None
        self._now = now
        self.holder = holder or new_holder()
        self.interval_s = interval_s
        # a failed tick is logged; the next one does what it missed
        self._loop = Periodic("incidents", self._tick, every=interval_s, sleep=sleep)

    # --- what the alert service asks -----------------------------------------------------------------

    async def hold(self, connection_id: str, channel: str) -> bool:
        """True (and counted) when a snooze holds this pipeline's failure alerts in `channel` now."""
        snooze = await self.snoozes.in_force(connection_id, channel, self._now())
        if snooze is None:
            return False
        await self.snoozes.hold(snooze.id)
        log.info("%s snoozed in %s: failure alert held", connection_id, channel)
        return True

    async def incident(self, alert: AlertMessage) -> Incident:
        snooze = await self.snoozes.in_force(alert.connection_id, alert.channel_id, self._now())
        return Incident(alert.acked_by, alert.acked_at, snooze)

    async def recovered(self, channel: str, connection_id: str) -> Snooze | None:
        """A recovery ends an "until it recovers" snooze; the recovery reply tells what it held."""
        return await self.snoozes.end(connection_id, channel, by="recovery", until_recovery_only=True)

    # --- what people do ------------------------------------------------------------------------------

    async def acknowledge(self, channel: str, connection_id: str, user: str) -> Taken | None:
        """Takes the open alert for `user` and edits it to say so; None when there is none to take (closed,
        or someone took it first)."""
        open_alert = await self._alerts.find_open(connection_id, channel)
        if open_alert is None:
            return None
        taken = await self._alerts.acknowledge(open_alert.id, user)
        if taken is None:
            return None
        snapshot = await self._snapshot()
        await self._redraw(taken, snapshot)
        return Taken(taken, pipeline_name(taken, snapshot))

    async def snooze(self, channel: str, connection_id: str, user: str, choice: str) -> Snooze | None:
        """Snoozes the pipeline here (`choice`: a key of `SNOOZES`); edits its open alert and says so in its
        thread. None for a choice that is not one."""
        if choice not in SNOOZES:
            return None
        span = SNOOZES[choice][1]
        now = self._now()
        open_alert = await self._alerts.find_open(connection_id, channel)
        snooze = await self.snoozes.snooze(
            connection_id=connection_id,
            channel_id=channel,
            user_id=user,
            until=None if span is None else now + span,
            thread_ts=open_alert.ts if open_alert is not None else None,
        )
        snapshot = await self._snapshot()
        if open_alert is not None:
            await self._redraw(open_alert, snapshot)
            name = pipeline_name(open_alert, snapshot)
            await self._poster.post(channel, render_snoozed(name, snooze), thread_ts=open_alert.ts)
        return snooze

    async def unsnooze(self, channel: str, connection_id: str, user: str, name: str) -> Snooze | None:
        ended = await self.snoozes.end(connection_id, channel, by=user)
        if ended is not None:
            await self._ended(ended, f"Unsnoozed by {mention(user)}", name)
        return ended

    async def snoozes_in(self, channel: str) -> list[Snooze]:
        now = self._now()
        return [s for s in await self.snoozes.list_for_channel(channel) if s.until is None or s.until > now]

    async def acknowledged_by(self, user: str) -> list[AlertMessage]:
        return await self._alerts.acknowledged_open(user)

    # --- the clock -----------------------------------------------------------------------------------

    async def tick(self) -> None:
        """Ends the snoozes whose time came (with their summary) and sends the reminders that are due."""
        now = self._now()
        for ended in await self.snoozes.end_expired(now):
            await self._ended(ended, "The snooze ended", None)
        if self.renotify is not None:
            for alert in await self._alerts.unacknowledged_open():
                await self._remind(alert, now, self.renotify)

    async def _remind(self, alert: AlertMessage, now: datetime, period: timedelta) -> None:
        due = int((now - alert.opened_at) / period)
        if due < 1 or due <= alert.reminders:
            return
        if await self.snoozes.in_force(alert.connection_id, alert.channel_id, now) is not None:
            return
        key = f"reminder:{alert.id}:{due}"
        if not await self._claims.try_claim(key, self.holder, REMINDER_LEASE_S):
            return
        outcome = "done"
        try:
            name = pipeline_name(alert, await self._snapshot())
            message = render_reminder(name, alert.opened_at, now=now)
            await self._poster.post(alert.channel_id, message, thread_ts=alert.ts, broadcast=True)
            await self._alerts.reminded(alert.id, due)
        except (PostError, SlackUnavailable) as error:
            log.warning(
                "reminder for %s in %s not sent: %s", alert.connection_id, alert.channel_id, error.code
            )
            outcome = "failed"
        finally:
            await self._claims.complete(key, self.holder, outcome)

    async def _ended(self, snooze: Snooze, why: str, name: str | None) -> None:
        """A snooze ended: its summary in the alert's thread, and the open alert no longer says snoozed."""
        open_alert = await self._alerts.find_open(snooze.connection_id, snooze.channel_id)
        snapshot = await self._snapshot()
        if name is None:
            connection = snapshot.connections.get(snooze.connection_id) if snapshot is not None else None
            name = connection.name if connection is not None else snooze.connection_id
        try:
            if snooze.thread_ts is not None:
                summary = render_snooze_summary(name, snooze, why=why)
                await self._poster.post(snooze.channel_id, summary, thread_ts=snooze.thread_ts)
            if open_alert is not None:
                await self._redraw(open_alert, snapshot)
        except (PostError, SlackUnavailable) as error:
            log.warning(
                "snooze end of %s in %s not told: %s", snooze.connection_id, snooze.channel_id, error.code
            )

    async def _redraw(self, alert: AlertMessage, snapshot: AccountSnapshot | None) -> None:
        message: Message = redraw(alert, await self.incident(alert), snapshot, now=self._now())
        await self._poster.update(alert.channel_id, alert.ts, message)

    async def _snapshot(self) -> AccountSnapshot | None:
        try:
            return await self._snapshots.get()
        except FivetranError as error:
            log.warning("no snapshot to draw an incident (%s); drawn from what the alert kept", error)
            return None

    # --- running at the interval ---------------------------------------------------------------------

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _tick(self) -> None:
        await self.tick()
