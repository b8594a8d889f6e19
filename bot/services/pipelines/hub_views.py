"""What `show` and `tables` of an HVR channel need beyond its row, and the last error of a failed job
(the watcher's failure alert names it): plain data, built from the hub's answers by pure functions.

The flows and the watcher ask for them through `HubOperations` (operations.py), which `Sources` answers
for keys of hubs and refuses, in words, for keys of Fivetran accounts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.fivetran.models import Connection
from bot.hvr.models import Channel, Event, Job, JobKind, Location
from bot.services.pipelines.hub_health import channel_jobs

# Recent events `show` lists; the hub answers the newest first.
EVENTS_SHOWN = 5


@dataclass(frozen=True)
class LocationView:
    name: str
    role: str  # "source", "target", or "" when the channel's actions name it neither
    loc_class: str  # oracle, snowflake…; "" when the hub did not say
    remote: str  # host:port of its agent, "" when local


@dataclass(frozen=True)
class JobView:
    name: str
    kind: JobKind
    state: str
    retries: int
    latency_seconds: int | None
    failing: bool
    last_error: str | None  # from the job's log, for a failing job only (unescaped: the hub's words)


@dataclass(frozen=True)
class ChannelView:
    """One channel in full, with its row (the health every view shows) from the same answers."""

    source: str
    hub: str
    row: Connection
    channel: Channel
    locations: tuple[LocationView, ...]
    jobs: tuple[JobView, ...]
    events: tuple[Event, ...]

    @property
    def sla_seconds(self) -> int | None:
        return self.channel.latency_sla_seconds


@dataclass(frozen=True)
class JobError:
    """A failing job of a channel and what its log says went wrong (None when the log says nothing)."""

    job: str
    error: str | None

    def line(self) -> str:
        return f"{self.job}: {self.error}" if self.error else f"{self.job} failed"


def location_views(channel: Channel, locations: Sequence[Location]) -> tuple[LocationView, ...]:
    known = {loc.name: loc for loc in locations}
    sources, targets = set(channel.source_locs), set(channel.target_locs)
    out = []
    for name in channel.locations:
        loc = known.get(name)
        role = "source" if name in sources else "target" if name in targets else ""
        out.append(LocationView(name, role, loc.loc_class if loc else "", loc.remote if loc else ""))
    return tuple(out)


def job_views(channel: str, jobs: Sequence[Job], errors: Mapping[str, str | None]) -> tuple[JobView, ...]:
    """The channel's jobs, capture and integrate first (what replicates), then refresh, compare and others."""
    own = [j for j in jobs if j.channel == channel]
    replicating = {j.name for j in channel_jobs(channel, jobs)}
    own.sort(key=lambda j: (j.name not in replicating, j.name))
    return tuple(
        JobView(
            j.name,
            j.kind,
            j.state or "unknown",
            j.num_retries,
            j.latency_seconds,
            j.failing,
            errors.get(j.name) if j.failing else None,
        )
        for j in own
    )


def first_failing(channel: str, jobs: Sequence[Job]) -> Job | None:
    """The job a failure alert names: the first failing capture or integrate job of the channel."""
    return next((j for j in channel_jobs(channel, jobs) if j.failing), None)
