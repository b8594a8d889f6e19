"""A fake HvrClient: hub-shaped channels and jobs in memory, and every change it was asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.hvr import errors
from bot.hvr.models import Channel, Job, PostedEvent


class FakeHub:
    hub = "hvrhub"

    def __init__(self, channels: list[dict[str, Any]], jobs: dict[str, dict[str, Any]]) -> None:
        self._channels = channels
        self._jobs = jobs
        self.calls: list[tuple[str, Any]] = []
        self.down = False

    async def channels(self) -> list[Channel]:
        if self.down:
            raise errors.ConnectError("The HVR hub could not be reached.", operation="channels")
        return [Channel.model_validate(c) for c in self._channels]

    async def jobs(self) -> list[Job]:
        return [Job.model_validate({"name": k, **v}) for k, v in self._jobs.items()]

    async def suspend_jobs(self, jobs: Sequence[str]) -> None:
        self.calls.append(("jobs_suspend", list(jobs)))

    async def unsuspend_jobs(self, jobs: Sequence[str]) -> None:
        self.calls.append(("jobs_unsuspend", list(jobs)))

    async def start_jobs(self, jobs: Sequence[str], *, trigger_failed: bool = True) -> list[Any]:
        self.calls.append(("jobs_start", (list(jobs), trigger_failed)))
        return []

    async def refresh(
        self, channel: str, tables: Sequence[str] | None = None, *, source_loc: str, target_loc: str
    ) -> PostedEvent:
        self.calls.append(("refresh", (channel, tables, source_loc, target_loc)))
        return PostedEvent(posted_ev_id="2026-12-02T12:00:00.000001Z")

    async def compare(
        self, channel: str, tables: Sequence[str] | None = None, *, source_loc: str, target_loc: str
    ) -> PostedEvent:
        self.calls.append(("compare", (channel, tables, source_loc, target_loc)))
        return PostedEvent(posted_ev_id="2026-12-02T12:00:00.000002Z")

    async def test_location(self, loc: str, channel: str | None = None) -> dict[str, Any]:
        self.calls.append(("loc_test", loc))
        return {}
