"""Publishing the Home tab when someone opens it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.home import render_home
from bot.fivetran.errors import FivetranError
from bot.services.access import AccessPolicy
from bot.services.actions import explain
from bot.services.snapshot import AccountSnapshot, SnapshotCache

log = logging.getLogger(__name__)


class HomeTab:
    def __init__(
        self,
        cache: SnapshotCache,
        policy: AccessPolicy,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._cache = cache
        self._policy = policy
        self._now = now

    async def publish(self, client: AsyncWebClient, user_id: str) -> None:
        role = (await self._policy.role_of(user_id)).label
        problem = None
        snapshot: AccountSnapshot | None
        try:
            snapshot = await self._cache.get()
        except FivetranError as error:
            snapshot = self._cache.peek()
            problem = explain(error, "read")
        view = render_home(snapshot, role=role, now=self._now(), problem=problem)
        await client.views_publish(user_id=user_id, view=view)
