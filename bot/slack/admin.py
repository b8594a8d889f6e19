"""Roles and the audit log: `access list|grant|revoke` and `audit`."""

from __future__ import annotations

from bot.blocks.audit import render_audit
from bot.blocks.governance import render_access_changed, render_access_list
from bot.blocks.prompts import render_error
from bot.commands.grammar import AccessCmd, AuditCmd
from bot.services.pipelines.actions import ActionResult
from bot.services.pipelines.resolve import Found, resolve
from bot.slack.flow import Flow
from bot.slack.turn import Turn


class Admin(Flow):
    async def access(self, turn: Turn, cmd: AccessCmd) -> None:
        if cmd.op == "list":
            mine = await self.authorize(turn, "access_list")
            await turn.out.reply(render_access_list(await self._roles(), viewer_role=mine.label))
            return
        assert cmd.subject is not None
        action = f"access_{cmd.op}"
        parameters = {"subject": cmd.subject, "role": cmd.role or ""}
        await self.authorize(turn, action, [], parameters)
        repo = self.deps.access
        subject = cmd.subject
        if cmd.op == "grant":
            assert cmd.role is not None
            role = cmd.role

            async def grant() -> ActionResult:
                await repo.grant(subject, role, turn.actor.user_id)  # type: ignore[arg-type]
                self.deps.policy.forget_grants()  # other replicas see it within GRANTS_TTL_S
                return ActionResult(True, action, subject, f"Granted {role} to {subject}.")

            await self.change(turn, action, [], parameters, grant)
            await turn.out.reply(render_access_changed(subject, role, by=turn.actor.user_id), in_channel=True)
            return
        static = subject in self.deps.admins or subject in self.deps.operators

        async def revoke() -> ActionResult:
            removed = await repo.revoke(subject)
            self.deps.policy.forget_grants()
            return ActionResult(removed, action, subject, "Revoked." if removed else "Nothing was granted.")

        result = await self.change(turn, action, [], parameters, revoke)
        if not result.ok:
            where = " It comes from HVR_ADMINS / HVR_OPERATORS: change it there." if static else ""
            await turn.out.reply(render_error(f"{subject} has no granted role to revoke.{where}"))
            return
        await turn.out.reply(render_access_changed(subject, None, by=turn.actor.user_id), in_channel=True)

    async def _roles(self) -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = [(s, "admin", "HVR_ADMINS") for s in self.deps.admins]
        found += [(s, "operator", "HVR_OPERATORS") for s in self.deps.operators if s not in self.deps.admins]
        for grant in await self.deps.access.list():
            found.append((grant.subject_id, grant.role, grant.granted_by))
        return found

    async def audit(self, turn: Turn, cmd: AuditCmd) -> None:
        await self.authorize(turn, "audit")
        repo = self.deps.audit_repo
        connector_id: str | None = None
        name: str | None = None
        if cmd.connector is not None:
            snapshot = await self.deps.cache.get()
            found = resolve(snapshot, cmd.connector)
            # a deleted connector still has its history: fall back to the text as an id
            connector_id = found.connection.id if isinstance(found, Found) else cmd.connector
            name = found.connection.name if isinstance(found, Found) else cmd.connector
        entries = await repo.query(connector=connector_id, user=cmd.user, limit=cmd.limit)
        user_name = await self.deps.people.name(cmd.user) if cmd.user else None
        seen = self.deps.cache.peek()
        message = render_audit(
            entries,
            connector=name,
            user=cmd.user,
            user_name=user_name,
            names=seen.names() if seen is not None else {},
            now=self.deps.now(),
        )
        await turn.out.reply(message)
