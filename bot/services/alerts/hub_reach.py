"""A hub that cannot be reached is ONE alert, about the hub (DESIGN section 8), never one per channel.

While a hub does not answer, its channels are simply absent from the snapshot (`Sources.unreachable` says
why), so they produce no events and keep their stored state; when it answers again they are compared with
what was seen before it went away. The hub itself is watched as one more row of watch_state under
`reach_key`, whose state is `reachable` or not: going down is a `BROKE` about the hub, coming back a
`RECOVERED` in that alert's thread. A hub never seen before counts as reachable until then, so a hub that
is down when watching starts is told too. Claim keys carry the stored row's `seen_at`, as the watcher's
other transitions do, so two replicas that read the same row tell it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.fivetran.models import Connection, ConnectionDetails
from bot.keys import qualify
from bot.services.alerts.events import AlertEvent, AlertKind, claim_key
from bot.services.pipelines.hub_health import HVR_SERVICE
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.storage.watch_state import WatchState

# No HVR channel name can hold `@` (they are identifiers), so the hub's row never meets a channel's.
REACH_ID = "@hub"


def reach_key(source: str) -> str:
    return qualify(source, REACH_ID)


def _down(why: str) -> str:
    """ "It could not be reached. Its channels …": the reason `unreachable_reason` gave, as a sentence."""
    return f"{why[:1].upper()}{why[1:]} Its channels show as unknown until it answers again."


def reach_events(
    hubs: Mapping[str, str],
    unreachable: Mapping[str, str],
    seen: Mapping[str, WatchState],
    at: datetime,
) -> tuple[list[AlertEvent], dict[str, dict[str, Any]]]:
    """For each hub (`{source: hub name}`): the event its reachability changed by, and its new state.

    `unreachable` is the snapshot's: {source: why, in a few words}."""
    events: list[AlertEvent] = []
    states: dict[str, dict[str, Any]] = {}
    for source, hub in hubs.items():
        key = reach_key(source)
        down = source in unreachable
        previous = seen.get(key)
        was_down = previous is not None and not previous.state.get("reachable", True)
        current = {"reachable": not down, "why": unreachable.get(source, "")}
        if previous is None or previous.state != current:
            states[key] = current
        if down == was_down:
            continue
        since = previous.seen_at.isoformat() if previous is not None else "first"
        kind = AlertKind.BROKE if down else AlertKind.RECOVERED
        events.append(
            AlertEvent(
                connection_id=key,
                kind=kind,
                at=at,
                key=claim_key("reach", source, kind.value, since),
                source="poll",
                message=_down(unreachable[source]) if down else None,
                connector_name=f"HVR hub {source} ({hub})",
                group_id=qualify(source, hub),
                service=HVR_SERVICE,
                about_source=True,
            )
        )
    return events, states


def reach_row(event: AlertEvent, snapshot: AccountSnapshot | None) -> tuple[Connection, AccountSnapshot]:
    """The hub as one row, broken, and a snapshot that holds it: what a watch's selector is matched
    against for an event about the hub (`source:east`, `group:hvrhub`, `service:hvr6`, `status:broken`
    watches get it; one naming a channel does not). Never rendered: the alert speaks of the hub itself."""
    row = ConnectionDetails.model_validate(
        {
            "id": event.connection_id,
            "group_id": event.group_id or event.connection_id,
            "service": HVR_SERVICE,
            "schema": event.connector_name or event.connection_id,
            "status": {"setup_state": "broken", "sync_state": "scheduled", "update_state": "on_schedule"},
        }
    )
    if snapshot is None:
        return row, AccountSnapshot({}, {row.id: row}, event.at)
    return row, snapshot.with_connection(row)
