"""What the bot follows of a hub after it acted, in words that need no hub types (DESIGN section 8).

A refresh or a compare posts an event the hub then runs: it is read back by its id until it is DONE,
FAILED or CANCELED, and a compare's result is per table. A sync (`jobs_start`) posts no event: what the
bot follows then is the channel's capture and integrate jobs (`JobView`), see `hub_follower.py`.
Beside the follows, `show`, `tables` and the watcher's failure alert read what only a hub has (a
channel's full view, its tables, a failed job's last error; built in `hub_views.py`). All of it is the one
`HubOperations` seam: `Sources` routes a hub's key to its source, and `hub_operations` refuses a Fivetran
connection's, in the one sentence `only_for_hubs` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot.hvr.models import ChannelTable
from bot.services.pipelines.hub_views import ChannelView, JobError
from bot.source_errors import Unsupported


class OnlyForHubs(Unsupported):
    """An operation only HVR channels have (compare, events), asked of a Fivetran connection."""


class EventState(StrEnum):
    ACTIVE = "active"
    DONE = "done"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def ended(self) -> bool:
        return self is not EventState.ACTIVE


@dataclass(frozen=True)
class TableOutcome:
    table: str
    result: str  # a compare's verdict as the hub says it (`identical`, `different`…)


@dataclass(frozen=True)
class OperationView:
    """One event the bot posted, as the hub answers `GET …/events?ev_id=` now."""

    event_id: str
    kind: str  # refresh, compare
    state: EventState
    note: str = ""  # the hub's response text, when the event failed or was canceled
    tables: tuple[TableOutcome, ...] = ()


@dataclass(frozen=True)
class JobView:
    """One of a channel's capture and integrate jobs, as `GET …/jobs` says now."""

    name: str
    state: str  # as the hub writes it: RUNNING, PENDING, FAILED, RETRY, SUSPEND…
    failing: bool
    suspended: bool

    @property
    def running(self) -> bool:
        return self.state.upper() == "RUNNING"


@runtime_checkable
class HubOperations(Protocol):
    """What only a hub's source has beside `PipelineSource` (all by pipeline key): post a compare and give
    its event's id, read an event the bot posted, the channel's capture and integrate jobs; and the reads
    of `show`, `tables` and the failure alert."""

    async def compare(self, connection_id: str, tables: Sequence[str] | None = None) -> str: ...
    async def event(self, connection_id: str, event_id: str) -> OperationView: ...
    async def jobs(self, connection_id: str) -> list[JobView]: ...
    async def channel_view(self, key: str) -> ChannelView: ...
    async def channel_tables(self, key: str) -> list[ChannelTable]: ...
    async def last_error(self, key: str) -> JobError | None: ...


# What each operation is called in the refusal (the hub's operation names mean nothing to a person).
_WHAT = {
    "compare": "Compare",
    "event": "Following a refresh or a compare",
    "jobs": "Following a channel's jobs",
    "channel_view": "A channel's view",
    "channel_tables": "A channel's tables",
    "last_error": "A job's last error",
}


def only_for_hubs(operation: str) -> str:
    """The one refusal of an HVR-only operation asked of a Fivetran connection."""
    what = _WHAT.get(operation, operation)
    return f"{what} is only for HVR channels: a Fivetran connection has none."


def hub_operations(source: object, operation: str = "compare") -> HubOperations:
    """`source` as a hub's; a Fivetran account's source is refused in words."""
    if not isinstance(source, HubOperations):
        raise OnlyForHubs(only_for_hubs(operation), operation=operation)
    return source
