"""Who may do what: roles, the permission of each command, channel policy and read-only mode.

Checked here, in the service layer, for slash commands and buttons alike, against the person who acts
(the one who clicked, not the one who asked). Roles come from `HVR_ADMINS` / `HVR_OPERATORS` (user IDs and
user-group IDs) and from grants kept in the database; group membership is looked up through Slack and
cached briefly, so a person removed from a group loses the role within minutes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

log = logging.getLogger(__name__)


class Role(IntEnum):
    VIEWER = 0
    OPERATOR = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        return self.name.lower()


# The permission of each action, from DESIGN.md's table. Keys are action names the router uses.
REQUIRED: dict[str, Role] = {
    "help": Role.VIEWER,
    "list": Role.VIEWER,
    "show": Role.VIEWER,
    "groups": Role.VIEWER,
    "group": Role.VIEWER,
    "schemas": Role.VIEWER,
    "tables": Role.VIEWER,
    "columns": Role.VIEWER,
    "sync": Role.OPERATOR,
    "force_sync": Role.OPERATOR,
    "pause": Role.OPERATOR,
    "resume": Role.OPERATOR,
    "test": Role.OPERATOR,
    "enable_table": Role.OPERATOR,
    "disable_table": Role.OPERATOR,
    "resync_tables": Role.OPERATOR,
    "compare": Role.OPERATOR,
    "reload_schemas": Role.OPERATOR,
    "enable_column": Role.OPERATOR,
    "disable_column": Role.OPERATOR,
    "hash_column": Role.OPERATOR,
    "unhash_column": Role.OPERATOR,
    "schedule": Role.OPERATOR,
    "reconnect": Role.OPERATOR,
    "resync": Role.ADMIN,
    "bulk": Role.ADMIN,
    "audit": Role.VIEWER,
    "access_list": Role.VIEWER,
    "access_grant": Role.ADMIN,
    "access_revoke": Role.ADMIN,
    "digest_list": Role.VIEWER,
    "digest_now": Role.VIEWER,
    "digest_add": Role.OPERATOR,
    "digest_remove": Role.OPERATOR,
    "watch_list": Role.VIEWER,
    "watch_add": Role.OPERATOR,
    "watch_remove": Role.OPERATOR,
    "acknowledge": Role.OPERATOR,
    "snooze": Role.OPERATOR,
    "unsnooze": Role.OPERATOR,
}

# Actions that change something in Fivetran: refused in read-only mode, audited.
CHANGES = frozenset(
    {
        "sync",
        "force_sync",
        "pause",
        "resume",
        "test",
        "enable_table",
        "disable_table",
        "resync_tables",
        "compare",
        "reload_schemas",
        "enable_column",
        "disable_column",
        "hash_column",
        "unhash_column",
        "resync",
        "bulk",
        "schedule",
        "reconnect",
    }
)


# Everything on record, allowed or refused: the Fivetran changes, who gets which role, and who took or
# quieted an incident (not changes to Fivetran: read-only mode allows them).
AUDITED = CHANGES | {"access_grant", "access_revoke", "acknowledge", "snooze", "unsnooze"}


# How stale another replica's grant or revoke may be here. A short TTL rather than a generation counter
# row: reading a counter is still a database round trip per check (the pool pressure this cache removes)
# unless it is cached too, and then its TTL is the bound anyway. A change made through this process is
# seen at once (`forget_grants`).
GRANTS_TTL_S = 2.0


class Refused(Exception):
    """A request the policy does not allow; `reason` says why and who can do it, in plain words."""

    def __init__(self, reason: str, ask: tuple[str, ...] = (), *, by: str | None = None) -> None:
        super().__init__(reason if by is None else f"{reason} by {by}")
        self.reason = reason
        self.ask = ask  # user or group ids who could do it
        self.by = by  # the user whose earlier decision stands in the way, said as a mention


class GroupMembers(Protocol):
    async def __call__(self, group_id: str) -> list[str]: ...


class GrantSource(Protocol):
    async def role_grants(self) -> dict[str, Role]: ...


@dataclass(frozen=True)
class Actor:
    user_id: str
    channel_id: str


class AccessPolicy:
    def __init__(
        self,
        *,
        admins: Iterable[str] = (),
        operators: Iterable[str] = (),
        allowed_channels: Iterable[str] = (),
        read_only: bool = False,
        group_members: GroupMembers | None = None,
        grants: GrantSource | None = None,
        cache_seconds: float = 300.0,
        grants_seconds: float = GRANTS_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._static: dict[str, Role] = {}
        for subject in operators:
            self._static[subject] = Role.OPERATOR
        for subject in admins:
            self._static[subject] = Role.ADMIN
        self.allowed_channels = frozenset(allowed_channels)
        self.read_only = read_only
        self._group_members = group_members
        self._grants = grants
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._grants_seconds = grants_seconds
        self._granted: tuple[float, dict[str, Role]] | None = None
        self._grants_lock = asyncio.Lock()

    def forget_grants(self) -> None:
        """A grant or revoke through this process: the next check reads the database again."""
        self._granted = None

    async def _role_grants(self) -> dict[str, Role]:
        if self._grants is None:
            return {}
        cached = self._granted
        if cached is not None and self._clock() - cached[0] < self._grants_seconds:
            return cached[1]
        # One read for every check waiting at once: under saturation each one reading would queue on
        # the database pool (seen: 30 s waits and "Something went wrong" for 11% of 200 clients).
        async with self._grants_lock:
            cached = self._granted
            if cached is not None and self._clock() - cached[0] < self._grants_seconds:
                return cached[1]
            grants = await self._grants.role_grants()
            self._granted = (self._clock(), grants)
            return grants

    async def _members_of(self, group_id: str) -> frozenset[str]:
        cached = self._members.get(group_id)
        if cached is not None and self._clock() - cached[0] < self._cache_seconds:
            return cached[1]
        if self._group_members is None:
            return frozenset()
        try:
            members = frozenset(await self._group_members(group_id))
        except Exception:
            # Slack down: keep the last known members rather than locking everyone out or in.
            log.warning("could not look up members of %s", group_id, exc_info=True)
            members = cached[1] if cached else frozenset()
            # Ask Slack again in a minute, not on every check while it is down.
            self._members[group_id] = (self._clock() - self._cache_seconds + 60.0, members)
            return members
        self._members[group_id] = (self._clock(), members)
        return members

    async def subjects(self) -> dict[str, Role]:
        """Every user or group with a role, static and granted; the higher role wins."""
        found = dict(self._static)
        for subject, role in (await self._role_grants()).items():
            found[subject] = max(role, found.get(subject, Role.VIEWER))
        return found

    async def role_of(self, user_id: str) -> Role:
        best = Role.VIEWER
        for subject, role in (await self.subjects()).items():
            if role <= best:
                continue
            if subject == user_id or (subject.startswith("S") and user_id in await self._members_of(subject)):
                best = role
        return best

    async def check(self, actor: Actor, action: str) -> Role:
        """Raise `Refused` unless `actor` may do `action` here; return the actor's role."""
        if self.allowed_channels and actor.channel_id not in self.allowed_channels:
            raise Refused(
                "I don't act in this channel. Ask an admin to add it to HVR_ALLOWED_CHANNELS, "
                "or use me in one of the channels where I'm enabled."
            )
        needed = REQUIRED.get(action, Role.ADMIN)  # an action nobody listed is admin-only, not open
        if self.read_only and action in CHANGES:
            raise Refused(
                "This bot is in read-only mode (HVR_READ_ONLY): it shows state but changes nothing."
            )
        role = await self.role_of(actor.user_id)
        if role < needed:
            raise await self._who_can(action, needed, role)
        return role

    async def _who_can(self, action: str, needed: Role, role: Role) -> Refused:
        holders = tuple(s for s, r in (await self.subjects()).items() if r >= needed)
        article = "an" if role.label[0] in "aeiou" else "a"
        reason = (
            f"`{action.replace('_', ' ')}` needs the {needed.label} role; you are {article} {role.label}."
        )
        if not holders:
            reason += " Ask whoever runs this bot to set HVR_OPERATORS or HVR_ADMINS."
        return Refused(reason, holders)
