"""What every command flow shares: its collaborators and the steps they all take.

Resolve what was typed to one connector, check the person may do it (recording a refused change), refuse
the same change twice in a short window, run a change with its audit entry, and tell the channel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.blocks.actions import render_action_result
from bot.blocks.message import Message
from bot.blocks.prompts import render_ambiguous, render_error, render_not_found
from bot.clock import Sleep
from bot.fivetran.models import Connection
from bot.services.alerts.service import AlertService
from bot.services.digests.service import DigestService
from bot.services.governance.access import AUDITED, AccessPolicy, Refused, Role
from bot.services.governance.audit import AuditLog
from bot.services.governance.bulk import BulkService
from bot.services.governance.dedupe import Dedupe
from bot.services.pipelines.actions import ActionResult, ConnectorActions
from bot.services.pipelines.follow_keeper import FollowKeeper
from bot.services.pipelines.kinds import FIVETRAN_ONLY, SourceKinds
from bot.services.pipelines.operations import HubOperations
from bot.services.pipelines.resolve import Ambiguous, Found, resolve
from bot.services.pipelines.snapshot import AccountSnapshot, LiveSnapshots
from bot.services.pipelines.sync_follower import SyncFollower
from bot.services.runtime.background import Background
from bot.slack.people import People
from bot.slack.turn import Turn
from bot.storage.access import AccessRepo
from bot.storage.approvals import ApprovalRepo
from bot.storage.audit import AuditRepo

DEDUPE_WINDOW_S = 10.0


@dataclass(frozen=True)
class Deps:
    """Everything a flow may use, all given at construction: a flow never checks whether it has one."""

    cache: LiveSnapshots
    actions: ConnectorActions
    follower: SyncFollower
    follows: FollowKeeper
    policy: AccessPolicy
    background: Background
    dedupe: Dedupe
    auditor: AuditLog
    access: AccessRepo
    audit_repo: AuditRepo
    bulk: BulkService
    digests: DigestService
    alerts: AlertService
    approvals: ApprovalRepo
    hubs: HubOperations  # what only an HVR channel has: its full view, its tables
    people: People  # names for plain text (a header); mrkdwn mentions
    configured: SourceKinds = FIVETRAN_ONLY  # the sources by kind, for words no row gives (who is slow)
    default_tz: str = "UTC"
    resync_approval: bool = False
    admins: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    clock: Callable[[], float] = time.monotonic
    sleep: Sleep = asyncio.sleep


class Flow:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def connector(self, turn: Turn, query: str) -> tuple[AccountSnapshot, Connection] | None:
        """Resolve what was typed; answer "did you mean" or the candidates when it is not one connector."""
        snapshot = await self.deps.cache.get()
        found = resolve(snapshot, query)
        if isinstance(found, Found):
            return snapshot, found.connection
        if isinstance(found, Ambiguous):
            await turn.out.reply(render_ambiguous(found, snapshot))
        else:
            await turn.out.reply(render_not_found(found, snapshot))
        return None

    async def authorize(
        self,
        turn: Turn,
        action: str,
        connectors: Sequence[str] = (),
        parameters: Mapping[str, Any] | None = None,
    ) -> Role:
        """Raise `Refused` unless the person may; a refused change is on record like any other."""
        try:
            return await self.deps.policy.check(turn.actor, action)
        except Refused as refused:
            if action in AUDITED:
                await self.deps.auditor.refused(
                    turn.audit, action, connectors, parameters or {}, refused.reason
                )
            raise

    async def prepare(
        self,
        turn: Turn,
        query: str,
        action: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        confirm: Callable[[AccountSnapshot, Connection], Message | None] | None = None,
        once: Callable[[Connection], tuple[str, str]] | None = None,
    ) -> tuple[AccountSnapshot, Connection] | None:
        """The steps every change to one connector takes before its call, in this order: resolve what was
        typed, authorise (raising `Refused`), ask to confirm when `confirm` gives a prompt, and refuse a
        second request in the dedupe window (`once` gives its key and what to call it). None when the
        person has been answered already and the change must not run."""
        resolved = await self.connector(turn, query)
        if resolved is None:
            return None
        snapshot, connection = resolved
        await self.authorize(turn, action, [connection.id], parameters)
        prompt = confirm(snapshot, connection) if confirm is not None else None
        if prompt is not None:
            await turn.out.reply(prompt)
            return None
        if once is not None and not await self.first_time(turn, *once(connection)):
            return None
        return resolved

    async def first_time(self, turn: Turn, key: str, what: str) -> bool:
        # A button's change is keyed on its press too: Sync again on the message a typed sync became is a
        # new request even seconds later, while a double click of that one button is still one.
        if await self.deps.dedupe.first_time(f"{key}#{turn.press}" if turn.press else key, DEDUPE_WINDOW_S):
            return True
        await turn.out.reply(render_error(f"{what} was just requested; I'm not doing it twice."))
        return False

    def change(
        self,
        turn: Turn,
        action: str,
        connectors: Sequence[str],
        parameters: Mapping[str, Any],
        call: Callable[[], Awaitable[ActionResult]],
    ) -> Awaitable[ActionResult]:
        # the audited call itself, not awaited here: one frame less between a person and Fivetran
        return self.deps.auditor.run(turn.audit, action, connectors, parameters, call)

    async def announce(self, turn: Turn, result: ActionResult, name: str) -> None:
        message = render_action_result(
            result, actor=turn.actor.user_id, connection_name=name, now=self.deps.now()
        )
        # Changes are told to the channel, so the team sees who did what; refusals only to the person.
        await turn.out.reply(message, in_channel=result.ok)
