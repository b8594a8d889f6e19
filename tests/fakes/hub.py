"""A fake HvrClient: hub-shaped channels and jobs in memory, and every change it was asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.hvr import errors
from bot.hvr.models import Channel, Event, Job


class FakeHub:
    hub = "hvrhub"

    def __init__(self, channels: list[dict[str, Any]], jobs: dict[str, dict[str, Any]]) -> None:
        self._channels = channels
        self._jobs = jobs
        self.calls: list[tuple[str, Any]] = []
        self.down = False
        self.posted: dict[str, dict[str, Any]] = {}

    async def channels(self) -> list[Channel]:
        if self.down:
            raise errors.ConnectError("The HVR hub could not be reached.", operation="channels")
        return [Channel.model_validate(c) for c in self._channels]

    async def jobs(self, channel: str | None = None, *, fetch_latency: bool = True) -> list[Job]:
        found = [Job.model_validate({"name": k, **v}) for k, v in self._jobs.items()]
        return [j for j in found if channel in (None, j.channel)]

    async def suspend_jobs(self, jobs: Sequence[str]) -> None:
        self.calls.append(("jobs_suspend", list(jobs)))

    async def unsuspend_jobs(self, jobs: Sequence[str]) -> None:
        self.calls.append(("jobs_unsuspend", list(jobs)))

    async def start_jobs(self, jobs: Sequence[str], *, trigger_failed: bool = True) -> list[Any]:
        self.calls.append(("jobs_start", (list(jobs), trigger_failed)))
        return []

    async def post_event(
        self,
        kind: str,
        channel: str,
        tables: Sequence[str] | None = None,
        *,
        source_loc: str,
        target_loc: str,
    ) -> str:
        self.calls.append((kind, (channel, tables, source_loc, target_loc)))
        ev_id = f"2026-12-02T12:00:00.{len(self.calls):06d}Z"
        self.posted[ev_id] = {"type": kind.capitalize(), "state": "ACTIVE", "channel": channel}
        return ev_id

    async def events(self, ev_id: str | None = None, **_: Any) -> list[Event]:
        """The posted events, as a test moved them on (`posted[ev_id].update(state=...)`)."""
        if self.down:
            raise errors.ConnectError("The HVR hub could not be reached.", operation="events")
        return [Event.model_validate({"ev_id": k, **v}) for k, v in self.posted.items() if ev_id in (None, k)]

    async def test_location(self, loc: str, channel: str | None = None) -> dict[str, Any]:
        self.calls.append(("loc_test", loc))
        return {}
