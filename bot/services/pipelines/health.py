"""A connector's health, computed once here and used by every view, digest and alert.

When several conditions hold, the first in `Health` order wins: a broken connector that is also paused is
broken, because that is what someone has to fix first.
"""

from __future__ import annotations

from enum import StrEnum

from bot.fivetran.models import Connection


class Health(StrEnum):
    BROKEN = "broken"
    INCOMPLETE = "incomplete"
    FAILING = "failing"
    PAUSED = "paused"
    RESCHEDULED = "rescheduled"
    DELAYED = "delayed"
    SYNCING = "syncing"
    HEALTHY = "healthy"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    @property
    def pause_needs_confirm(self) -> bool:
        """Pausing a connector that works stops data people rely on; pausing a broken one is routine."""
        return self in (Health.HEALTHY, Health.SYNCING, Health.DELAYED)

    @property
    def is_problem(self) -> bool:
        return self not in (Health.SYNCING, Health.HEALTHY)


_ORDER = list(Health)


def classify(connection: Connection) -> Health:
    status = connection.status
    if status.setup_state == "broken":
        return Health.BROKEN
    if status.setup_state == "incomplete":
        return Health.INCOMPLETE
    if connection.failed_at is not None and (
        connection.succeeded_at is None or connection.failed_at > connection.succeeded_at
    ):
        return Health.FAILING
    if connection.paused or status.sync_state == "paused":
        return Health.PAUSED
    if status.sync_state == "rescheduled":
        return Health.RESCHEDULED
    if status.update_state == "delayed":
        return Health.DELAYED
    if status.sync_state == "syncing":
        return Health.SYNCING
    return Health.HEALTHY


def parse_health(text: str) -> Health | None:
    try:
        return Health(text.strip().lower())
    except ValueError:
        return None


# Task codes (and words in them) that mean the credentials or the setup need a person: a Connect Card
# fixes those. A host that does not answer or a failing query does not.
_RECONNECT_WORDS = ("reconnect", "auth", "credential", "permission", "password", "token", "certificate")


def needs_reconnect(connection: Connection) -> bool:
    """The broken state comes from credentials or setup: setup incomplete, or broken (or failing) with a
    task about credentials; broken with no task named is a setup problem too."""
    status = connection.status
    if status.setup_state == "incomplete":
        return True
    credential = any(word in (task.code or "").lower() for task in status.tasks for word in _RECONNECT_WORDS)
    if status.setup_state == "broken":
        return credential or not status.tasks
    return credential
