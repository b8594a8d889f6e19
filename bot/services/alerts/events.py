"""The one event model behind real-time alerts, whether Fivetran pushed it (webhook) or the watcher saw it.

Both sources turn what happened into an `AlertEvent`; the alert service never knows which one it got
except for the line that says so. `key` identifies the event for claim-once: a webhook redelivery, or the
same transition seen by two replicas, carries the same key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

Source = Literal["webhook", "poll"]

# event_claims.key is a String(255); longer keys (a hostile sync_id) are hashed instead of refused.
MAX_KEY = 255


class AlertKind(StrEnum):
    SYNC_STARTED = "sync_started"
    SYNC_SUCCEEDED = "sync_succeeded"
    SYNC_FAILED = "sync_failed"
    BROKE = "broke"
    RECOVERED = "recovered"
    DELAYED = "delayed"
    PAUSED = "paused"
    RESUMED = "resumed"

    @property
    def is_failure(self) -> bool:
        return self in (AlertKind.SYNC_FAILED, AlertKind.BROKE)

    @property
    def ends_failure(self) -> bool:
        """A successful sync ends a failure as surely as Fivetran's `connection_successful` does."""
        return self in (AlertKind.RECOVERED, AlertKind.SYNC_SUCCEEDED)

    @property
    def is_sync_end(self) -> bool:
        return self in (AlertKind.SYNC_SUCCEEDED, AlertKind.SYNC_FAILED)


class WatchEvent(StrEnum):
    """What a person subscribes to with `watch … events:<list>`."""

    FAILURES = "failures"
    RECOVERIES = "recoveries"
    DELAYS = "delays"
    PAUSES = "pauses"
    SYNCS = "syncs"


DEFAULT_WATCH_EVENTS: tuple[WatchEvent, ...] = (WatchEvent.FAILURES, WatchEvent.RECOVERIES)

# Which subscriptions can care about a kind at all; a kind nobody can subscribe to is not even claimed.
_INTERESTED: dict[AlertKind, frozenset[WatchEvent]] = {
    AlertKind.SYNC_STARTED: frozenset(),
    AlertKind.SYNC_SUCCEEDED: frozenset({WatchEvent.RECOVERIES, WatchEvent.SYNCS}),
    AlertKind.SYNC_FAILED: frozenset({WatchEvent.FAILURES, WatchEvent.SYNCS}),
    AlertKind.BROKE: frozenset({WatchEvent.FAILURES}),
    AlertKind.RECOVERED: frozenset({WatchEvent.RECOVERIES}),
    AlertKind.DELAYED: frozenset({WatchEvent.DELAYS}),
    AlertKind.PAUSED: frozenset({WatchEvent.PAUSES}),
    AlertKind.RESUMED: frozenset({WatchEvent.PAUSES}),
}


def interested(kind: AlertKind) -> frozenset[WatchEvent]:
    return _INTERESTED[kind]


@dataclass(frozen=True)
class AlertEvent:
    connection_id: str
    kind: AlertKind
    at: datetime
    key: str
    source: Source
    message: str | None = None  # the failure reason or task, as Fivetran wrote it (unescaped)
    actor: str | None = None  # who paused or resumed, when Fivetran says
    connector_name: str | None = None  # from the webhook: used when the snapshot lacks the connector
    group_id: str | None = None
    service: str | None = None
    # about a whole source (a hub that cannot be reached), not one pipeline: it offers no pipeline buttons
    about_source: bool = False

    @property
    def announced(self) -> bool:
        return bool(interested(self.kind))


def claim_key(*parts: str) -> str:
    """`a:b:c`, or a stable hash of it when it would not fit the claims table."""
    key = ":".join(parts)
    if len(key) <= MAX_KEY:
        return key
    return f"{parts[0]}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
