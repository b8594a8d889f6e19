"""Publishing the Home tab when someone opens it: fleet health, their role, their subscriptions and their
recent actions, read fresh each time the tab opens."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.home import MAX_RECENT, TakenIncident, render_home
from bot.fivetran.errors import FivetranError
from bot.services.alerts.incident_views import pipeline_name
from bot.services.alerts.incidents import IncidentService
from bot.services.governance.access import AccessPolicy
from bot.services.pipelines.actions import explain
from bot.services.pipelines.kinds import FIVETRAN_ONLY, SourceKinds
from bot.services.pipelines.selectors import Selector, source_counts
from bot.services.pipelines.snapshot import AccountSnapshot, LiveSnapshots
from bot.storage.audit import AuditEntry, AuditRepo
from bot.storage.subscriptions import Subscription, SubscriptionRepo

log = logging.getLogger(__name__)


class HomeTab:
    def __init__(
        self,
        cache: LiveSnapshots,
        policy: AccessPolicy,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        subscriptions: SubscriptionRepo,
        audit: AuditRepo,
        incidents: IncidentService,
        configured: SourceKinds = FIVETRAN_ONLY,
    ) -> None:
        self._cache = cache
        self._policy = policy
        self._now = now
        self._subscriptions = subscriptions
        self._audit = audit
        self._incidents = incidents
        self._configured = configured

    async def _theirs(self, user_id: str) -> list[Subscription] | None:
        try:
            return [s for s in await self._subscriptions.list_active() if s.created_by == user_id]
        except Exception:
            # The tab still shows fleet health when the database is away; the section says nothing.
            log.warning("could not read the subscriptions of %s for the Home tab", user_id, exc_info=True)
            return None

    async def _recent(self, user_id: str) -> list[AuditEntry] | None:
        try:
            return await self._audit.query(user=user_id, limit=MAX_RECENT)
        except Exception:
            log.warning("could not read the recent actions of %s for the Home tab", user_id, exc_info=True)
            return None

    async def _taken(self, user_id: str, snapshot: AccountSnapshot | None) -> list[TakenIncident] | None:
        try:
            alerts = await self._incidents.acknowledged_by(user_id)
        except Exception:
            log.warning("could not read the incidents of %s for the Home tab", user_id, exc_info=True)
            return None
        return [
            TakenIncident(pipeline_name(a, snapshot), a.connection_id, a.channel_id, a.opened_at, a.acked_at)
            for a in alerts
        ]

    async def render(self, user_id: str) -> dict[str, object]:
        """The view for `user_id`, as it is now."""
        role = (await self._policy.role_of(user_id)).label
        problem = None
        snapshot: AccountSnapshot | None
        try:
            snapshot = await self._cache.get()
        except FivetranError as error:
            snapshot = self._cache.peek()
            problem = explain(error, "read")
        return render_home(
            snapshot,
            role=role,
            now=self._now(),
            problem=problem,
            subscriptions=await self._theirs(user_id),
            recent=await self._recent(user_id),
            acknowledged=await self._taken(user_id, snapshot),
            configured=self._configured,
            by_source=source_counts(snapshot, Selector()) if snapshot is not None else None,
        )

    async def publish(self, client: AsyncWebClient, user_id: str) -> None:
        await client.views_publish(user_id=user_id, view=await self.render(user_id))
