"""What a failure alert is drawn from, kept with it (`alert_messages.view`), so that the alert can be drawn
again when someone acknowledges or snoozes it, or a snooze ends, without the event at hand.

An alert opened before the incident columns existed has no view: it is drawn from its row alone.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from bot.blocks.alerts import render_alert, render_flapping
from bot.blocks.incidents import Incident
from bot.blocks.message import Message
from bot.services.alerts.events import AlertEvent, AlertKind
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.storage.alert_messages import AlertMessage


def alert_view(event: AlertEvent, *, flapping: tuple[int, timedelta] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {"event": {**asdict(event), "at": event.at.isoformat()}}
    if flapping is not None:
        view["flapping"] = {"failures": flapping[0], "window_s": flapping[1].total_seconds()}
    return view


def _event(alert: AlertMessage) -> AlertEvent:
    stored = (alert.view or {}).get("event")
    if isinstance(stored, dict):
        try:
            return AlertEvent(
                connection_id=str(stored["connection_id"]),
                kind=AlertKind(stored["kind"]),
                at=datetime.fromisoformat(str(stored["at"])),
                key=str(stored["key"]),
                source="webhook" if stored.get("source") == "webhook" else "poll",
                message=stored.get("message"),
                actor=stored.get("actor"),
                connector_name=stored.get("connector_name"),
                group_id=stored.get("group_id"),
                service=stored.get("service"),
            )
        except (KeyError, ValueError, TypeError):
            pass
    return AlertEvent(
        alert.connection_id, AlertKind.SYNC_FAILED, alert.opened_at, f"alert:{alert.id}", "poll"
    )


def redraw(
    alert: AlertMessage, incident: Incident, snapshot: AccountSnapshot | None, *, now: datetime
) -> Message:
    """The open alert as it is now: its last failure, with who took it and the snooze in force."""
    event = _event(alert)
    connection = snapshot.connections.get(alert.connection_id) if snapshot is not None else None
    flapping = (alert.view or {}).get("flapping")
    if isinstance(flapping, dict):
        return render_flapping(
            event,
            connection,
            snapshot,
            failures=int(flapping.get("failures", 0)),
            window=timedelta(seconds=float(flapping.get("window_s", 0))),
            now=now,
            incident=incident,
        )
    return render_alert(event, connection, snapshot, now=now, since=alert.opened_at, incident=incident)


def pipeline_name(alert: AlertMessage, snapshot: AccountSnapshot | None) -> str:
    connection = snapshot.connections.get(alert.connection_id) if snapshot is not None else None
    if connection is not None:
        return connection.name
    return _event(alert).connector_name or alert.connection_id
