"""What a flow's tests give its `Deps` in place of the database and Slack: one snapshot, an operator, a
dedupe that lets everything through, and an audit log that keeps what it was told."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.fivetran.models import Connection
from bot.services.governance.access import Actor, Refused, Role
from bot.services.governance.audit import AuditContext
from bot.services.pipelines.actions import ActionResult
from bot.services.pipelines.snapshot import AccountSnapshot
from tests.blocks.factory import connection, snapshot


class Cache:
    """The snapshot of one connector, the factory's."""

    async def get(self, *, max_age: float | None = None) -> AccountSnapshot:
        return snapshot(connection())

    def peek(self) -> AccountSnapshot | None:
        return None

    def update(self, connection: Connection) -> None:
        pass

    def invalidate(self) -> None:
        pass

    def warm(self) -> None:
        pass


@dataclass
class Roles:
    """Everyone has `role`; an action that needs more is refused as the policy would."""

    role: Role = Role.OPERATOR

    async def check(self, actor: Actor, action: str) -> Role:
        if action not in ("columns", "schemas", "tables", "show") and self.role < Role.OPERATOR:
            raise Refused(f"`{action}` needs the operator role")
        return self.role


class Once:
    async def first_time(self, key: str, window: float) -> bool:
        return True


@dataclass
class Audits:
    """(action, status, parameters) of every entry, in order."""

    entries: list[tuple[str, str, Mapping[str, Any]]] = field(default_factory=list)
    targets: list[list[str]] = field(default_factory=list)  # each entry's connectors, in the same order

    async def run(
        self,
        ctx: AuditContext,
        action: str,
        connectors: Sequence[str],
        parameters: Mapping[str, Any],
        call: Callable[[], Awaitable[ActionResult]],
    ) -> ActionResult:
        self.entries.append((action, "started", parameters))
        self.targets.append(list(connectors))
        result = await call()
        self.entries.append((action, "succeeded" if result.ok else "failed", parameters))
        self.targets.append(list(connectors))
        return result

    async def refused(
        self,
        ctx: AuditContext,
        action: str,
        connectors: Sequence[str],
        parameters: Mapping[str, Any],
        reason: str,
    ) -> None:
        self.entries.append((action, "refused", parameters))
        self.targets.append(list(connectors))
