"""An HVR channel's health (DESIGN section 8), computed here once, and the channel as the `Connection` every
view, digest and alert already renders.

The least invasive mapping: a channel becomes a `Connection` whose status fields make `health.classify`
give exactly the health computed here (tests/test_hub_health.py checks every case), so the views need no
second kind of row. A hub that cannot be reached is `broken` at the source level (`Sources.unreachable`),
never per channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.fivetran.models import Connection, ConnectionDetails, ConnectionStatus
from bot.hvr.models import Channel, Job, JobKind
from bot.keys import qualify
from bot.services.pipelines.health import Health

HVR_SERVICE = "hvr6"
_REPLICATING = (JobKind.CAPTURE, JobKind.INTEGRATE)
# a failing channel's failed_at when the hub wrote no error time (the watcher then tells the transition)
NO_ERROR_TIME = datetime(1970, 1, 1, tzinfo=UTC)


def channel_jobs(channel: str, jobs: Sequence[Job]) -> list[Job]:
    """The channel's capture and integrate jobs: what pause, resume and sync act on."""
    return [j for j in jobs if j.channel == channel and j.kind in _REPLICATING]


def refreshing(channel: str, jobs: Sequence[Job]) -> bool:
    return any(
        j.channel == channel and j.kind is JobKind.REFRESH and j.state.upper() == "RUNNING" for j in jobs
    )


def channel_health(channel: Channel, jobs: Sequence[Job]) -> Health:
    """Section 8's order: incomplete, failing, paused, syncing, delayed, healthy."""
    own = channel_jobs(channel.name, jobs)
    if not own:
        return Health.INCOMPLETE
    if any(j.failing for j in own):
        return Health.FAILING
    if all(j.suspended for j in own):
        return Health.PAUSED
    if refreshing(channel.name, jobs):
        return Health.SYNCING
    sla = channel.latency_sla_seconds
    latencies = [j.latency_seconds for j in own if j.latency_seconds is not None]
    if sla is not None and latencies and max(latencies) > sla:
        return Health.DELAYED
    return Health.HEALTHY


def failed_at(channel: str, jobs: Sequence[Job]) -> datetime:
    """When the channel's failing job logged its error (`log_job_err_tstamp`): a new failure moves it, so
    the watcher tells each failure once; the epoch when the hub did not say."""
    stamps = []
    for job in channel_jobs(channel, jobs):
        if job.failing and job.log_job_err_tstamp:
            try:
                stamp = datetime.fromisoformat(job.log_job_err_tstamp)
            except ValueError:
                continue
            stamps.append(stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC))  # the hub writes UTC
    return max(stamps, default=NO_ERROR_TIME)


def as_connection(source: str, hub: str, channel: Channel, jobs: Sequence[Job]) -> Connection:
    """The channel as a pipeline row, under the source's key; `classify` of it is `channel_health`."""
    health = channel_health(channel, jobs)
    status = ConnectionStatus(
        setup_state="incomplete" if health is Health.INCOMPLETE else "connected",
        sync_state={Health.PAUSED: "paused", Health.SYNCING: "syncing"}.get(health, "scheduled"),
        update_state="delayed" if health is Health.DELAYED else "on_schedule",
    )
    sla = channel.latency_sla_seconds
    return ConnectionDetails.model_validate(
        {
            "id": qualify(source, channel.name),
            "group_id": qualify(source, hub),
            "service": HVR_SERVICE,
            "schema": channel.name,
            "paused": health is Health.PAUSED,
            # failing is "failed after the last success" (there is none): the failure is all the row needs
            "failed_at": failed_at(channel.name, jobs) if health is Health.FAILING else None,
            "data_delay_threshold": None if sla is None else max(1, sla // 60),
            "status": status,
        }
    )


def is_hub_channel(connection: Connection) -> bool:
    """Whether a pipeline row is an HVR channel (operations only hubs have: compare, event follows)."""
    return connection.service == HVR_SERVICE
