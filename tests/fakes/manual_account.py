"""A Fivetran connector on a manual schedule whose source's quota ran out: Fivetran rescheduled its sync
and starts nothing itself (DESIGN section 10). Shared by the follower's tests and the follow keeper's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.fivetran.errors import FivetranError
from bot.fivetran.models import Connection
from tests.blocks.factory import connection
from tests.fakes.clock import FakeClock

CID = "decidedly_conventional"


class ManualAccount:
    """`get_connection` and `sync` of one connector, on `clock`.

    Its sync is rescheduled until `quota_back`; after that Fivetran says `scheduled` again, or keeps
    saying `rescheduled` with that time (`stays`). A sync started (`sync`) runs `runs_for` seconds and
    succeeds, unless the quota runs out again (`reschedule_again`: rescheduled that much later) or the
    request is refused (`refuse`). `started_by_someone` starts a run at that time, as Fivetran's UI could.
    """

    def __init__(
        self, clock: FakeClock, *, quota_back: datetime, runs_for: float = 120, stays: bool = False
    ) -> None:
        self.clock = clock
        self.quota_back = quota_back
        self.runs_for = runs_for
        self.stays = stays
        self.started_at: datetime | None = None
        self.succeeded_at = clock() - timedelta(hours=6)
        self.polls: list[datetime] = []
        self.syncs: list[datetime] = []
        self.refuse: FivetranError | None = None
        self.reschedule_again: timedelta | None = None
        self.started_by_someone: datetime | None = None
        self.lag_until: datetime | None = None  # until then, it still says what it said at `quota_back`

    def connection(self, **fields: Any) -> Connection:
        fields = {"schedule_type": "manual", "succeeded_at": self.succeeded_at.isoformat(), **fields}
        return connection(id=CID, **fields)

    def _rescheduled(self) -> Connection:
        return self.connection(
            status={"sync_state": "rescheduled", "rescheduled_for": self.quota_back.isoformat()}
        )

    async def get_connection(self, connection_id: str) -> Connection:
        now = self.clock()
        self.polls.append(now)
        if self.lag_until is not None and now < self.lag_until:
            return self._rescheduled()
        if self.started_by_someone is not None and now >= self.started_by_someone:
            self.started_at, self.started_by_someone = self.started_by_someone, None
        if self.started_at is not None and now >= self.started_at + timedelta(seconds=self.runs_for):
            self.succeeded_at, self.started_at = self.started_at + timedelta(seconds=self.runs_for), None
        if self.started_at is not None:
            return self.connection(status={"sync_state": "syncing"})
        if now < self.quota_back or (self.stays and self.succeeded_at < self.quota_back):
            return self._rescheduled()
        return self.connection()

    async def sync(self, connection_id: str, *, force: bool = False) -> str:
        self.syncs.append(self.clock())
        if self.refuse is not None:
            raise self.refuse
        if self.reschedule_again is not None:
            self.quota_back = self.clock() + self.reschedule_again
        else:
            self.started_at = self.clock()
        return "Sync has been successfully triggered"
