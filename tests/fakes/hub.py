"""A fake HvrClient: hub-shaped channels and jobs in memory, and every change it was asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.hvr import errors
from bot.hvr.models import Channel, Event, Job, Location


class FakeHub:
    hub = "hvrhub"

    def __init__(
        self,
        channels: list[dict[str, Any]],
        jobs: dict[str, dict[str, Any]],
        *,
        logs: dict[str, str] | None = None,
        locations: list[dict[str, Any]] | None = None,
        events: list[dict[str, Any]] | None = None,
    ) -> None:
        self._channels = channels
        self._jobs = jobs
        self._logs = logs or {}
        self._locations = locations or []
        self._events = events or []
        self.calls: list[tuple[str, Any]] = []
        self.reads: list[tuple[str, Any]] = []  # every read, with its filter: what a view cost the hub
        self.down = False
        self.posted: dict[str, dict[str, Any]] = {}

    def _reach(self, operation: str) -> None:
        if self.down:
            raise errors.ConnectError("Could not reach the HVR hub", operation=operation, **errors.SPEAKS)

    async def channels(self) -> list[Channel]:
        self.reads.append(("channels", None))
        self._reach("channels")
        return [Channel.model_validate(c) for c in self._channels]

    async def channel(self, name: str) -> Channel:
        self.reads.append(("channel", name))
        self._reach("channel")
        for found in self._channels:
            if found["name"] == name:
                return Channel.model_validate(found)
        raise errors.NotFound(f"Channel {name} does not exist", code="F_JR0300E", **errors.SPEAKS)

    async def jobs(self, channel: str | None = None, *, fetch_latency: bool = True) -> list[Job]:
        self.reads.append(("jobs", channel))
        self._reach("jobs")
        found = [Job.model_validate({"name": k, **v}) for k, v in self._jobs.items()]
        return [j for j in found if channel is None or j.channel == channel]

    async def job_log(self, job: str, *, max_lines: int = 50) -> str:
        self.reads.append(("job_log", job))
        return self._logs.get(job, "")

    async def locations(self) -> list[Location]:
        self.reads.append(("locs", None))
        return [Location.model_validate(loc) for loc in self._locations]

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

    async def events(
        self,
        ev_id: str | None = None,
        *,
        channel: str | None = None,
        fetch_results: bool = True,
        max_events: int | None = None,
    ) -> list[Event]:
        """The hub's recent events (given), and those the bot posted, as a test moved them on
        (`posted[ev_id].update(state=...)`)."""
        self.reads.append(("events", channel))
        self._reach("events")
        given = [{"ev_id": e.get("ev_id", ""), **e} for e in self._events]
        posted = [{"ev_id": k, **v} for k, v in self.posted.items()]
        return [
            Event.model_validate(e)
            for e in given + posted
            if ev_id in (None, e["ev_id"]) and channel in (None, e.get("channel"))
        ]

    async def test_location(self, loc: str, channel: str | None = None) -> dict[str, Any]:
        self.calls.append(("loc_test", loc))
        return {}
