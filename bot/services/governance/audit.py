"""Who did what, when, with what result: every request that would change something, allowed or refused.

An entry is written before the change runs and finalised once after it (the repository refuses a second
finalisation), so a crash in between leaves a `started` entry on record instead of nothing. Entries are
mirrored to `HVR_AUDIT_CHANNEL` when set: through the outbox, the mirror's row written in the same
transaction as the entry it shows (`unit`), so a final entry is mirrored once even if Slack is down or the
process dies right after; Slack refusing the mirror never blocks the action.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.blocks.audit import render_audit_mirror
from bot.logs import redact
from bot.services.pipelines.actions import ActionResult
from bot.services.runtime.outbox import Unit, no_unit
from bot.services.runtime.posting import ChannelPoster, PostError, SlackUnavailable
from bot.storage.audit import AuditEntry, AuditRepo, AuditSource, FinalStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditContext:
    """Who is asking, from where, under which reference id."""

    request_id: str
    user_id: str
    channel_id: str
    source: AuditSource


class AuditLog(Protocol):
    async def refused(
        self,
        ctx: AuditContext,
        action: str,
        connectors: Sequence[str],
        parameters: Mapping[str, Any],
        reason: str,
    ) -> None: ...

    async def run(
        self,
        ctx: AuditContext,
        action: str,
        connectors: Sequence[str],
        parameters: Mapping[str, Any],
        call: Callable[[], Awaitable[ActionResult]],
    ) -> ActionResult: ...


class Auditor:
    def __init__(
        self,
        repo: AuditRepo,
        *,
        poster: ChannelPoster | None = None,
        mirror_channel: str | None = None,
        unit: Unit = no_unit,
    ) -> None:
        self.repo = repo
        self._poster = poster  # the outbox's, in the bot
        self._mirror_channel = mirror_channel
        self._unit = unit

    async def refused(
        self,
        ctx: AuditContext,
        action: str,
        connectors: Sequence[str],
        parameters: Mapping[str, Any],
        reason: str,
    ) -> None:
        async with self._unit():
            entry_id = await self.repo.record(
                request_id=ctx.request_id,
                user_id=ctx.user_id,
                channel_id=ctx.channel_id,
                source=ctx.source,
                action=action,
                status="refused",
                connectors=connectors,
                parameters=parameters,
                message=redact(reason),
            )
            await self._mirror(entry_id)

    async def run(
        self,
        ctx: AuditContext,
        action: str,
        connectors: Sequence[str],
        parameters: Mapping[str, Any],
        call: Callable[[], Awaitable[ActionResult]],
    ) -> ActionResult:
        entry_id = await self.repo.start(
            request_id=ctx.request_id,
            user_id=ctx.user_id,
            channel_id=ctx.channel_id,
            source=ctx.source,
            action=action,
            connectors=connectors,
            parameters=parameters,
        )
        try:
            result = await call()
        except BaseException as error:
            await self.finish(entry_id, "failed", type(error).__name__, "the bot failed while doing this")
            raise
        status: FinalStatus = "succeeded" if result.ok else "failed"
        message = result.summary if not result.detail else f"{result.summary} ({result.detail})"
        await self.finish(entry_id, status, result.code or None, message)
        return result

    async def close_interrupted(self, action: str, run_id: str, message: str) -> int:
        """Finalises the `started` entries of `action` for `run_id` (parameter `run`), left open by a
        process that died during the run; returns how many it closed."""
        closed = 0
        for entry in await self.repo.open_entries(action):
            if entry.parameters.get("run") == run_id:
                await self.finish(entry.id, "failed", "interrupted", message)
                closed += 1
        return closed

    async def finish(self, entry_id: int, status: FinalStatus, code: str | None, message: str) -> None:
        # a final entry is never changed, nor mirrored twice; what is stored is shown later, so no secret
        async with self._unit():
            if await self.repo.finish(entry_id, status, code, redact(message)):
                await self._mirror(entry_id)

    async def _mirror(self, entry_id: int) -> None:
        """Inside the entry's unit: the mirror is owed with the entry. A poster that fails (a direct one,
        without the outbox) is logged: the action goes on."""
        if self._poster is None or not self._mirror_channel:
            return
        entry: AuditEntry | None = await self.repo.get(entry_id)
        if entry is None:
            return
        try:
            await self._poster.post(self._mirror_channel, render_audit_mirror(entry))
        except (PostError, SlackUnavailable):
            log.warning(
                "could not mirror audit entry %s to %s", entry_id, self._mirror_channel, exc_info=True
            )
