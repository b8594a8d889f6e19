"""What the bot follows of a hub after it acted, in words that need no hub types (DESIGN section 8).

A refresh or a compare posts an event the hub then runs: it is read back by its id until it is DONE,
FAILED or CANCELED, and a compare's result is per table. A sync (`jobs_start`) posts no event: what the
bot follows then is the channel's capture and integrate jobs (`JobView`), see `hub_follower.py`.
A Fivetran connection has neither: `OnlyForHubs` says so in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot.fivetran.errors import BadRequest


class OnlyForHubs(BadRequest):
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
    """What only a hub's source has beside `PipelineSource`: post a compare and give its event's id, read
    an event the bot posted, and the channel's capture and integrate jobs (all by pipeline key)."""

    async def compare(self, connection_id: str, tables: Sequence[str] | None = None) -> str: ...
    async def event(self, connection_id: str, event_id: str) -> OperationView: ...
    async def jobs(self, connection_id: str) -> list[JobView]: ...


def hub_operations(source: object) -> HubOperations:
    """`source` as a hub's; a Fivetran account's source is refused in words."""
    if not isinstance(source, HubOperations):
        raise OnlyForHubs(
            "Compare is only for HVR channels: a Fivetran connection has no compare.", operation="compare"
        )
    return source
