"""The commands that change one connector: sync, pause, resume, setup tests, table switches, re-syncs
(a schema reload, which runs in the background, is in `reload.py`).

Each is authorised against the person acting, confirmed when destructive, refused when asked twice in a
short window, audited before and after, and announced to the channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import NoReturn

from bot.blocks.actions import render_followed
from bot.blocks.governance import render_approval_outcome, render_approval_request
from bot.blocks.message import Message
from bot.blocks.prompts import render_confirm, render_error
from bot.blocks.text import esc
from bot.fivetran.models import Connection
from bot.services.governance.access import Refused
from bot.services.pipelines.actions import ActionResult
from bot.services.pipelines.hub_health import is_hub_channel
from bot.services.pipelines.operations import only_for_hubs
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.slack.following import Following
from bot.slack.turn import Turn
from bot.storage.follows import FollowKind

# How long a historical re-sync request waits for a second admin: a working day and a night, after which
# the situation it was asked in has likely changed and it must be asked again.
APPROVAL_TTL = timedelta(hours=24)


ONLY_HUBS = only_for_hubs("compare")


def table_name(schema: str, table: str) -> str:
    """`schema.table`, or the bare name an HVR channel's table has."""
    return f"{schema}.{table}" if schema else table


def quote(text: str) -> str:
    return f'"{text}"' if any(c.isspace() or c in "\"'" for c in text) else text


class Changes(Following):
    async def sync(self, turn: Turn, query: str, *, force: bool, confirmed: bool) -> None:
        action = "force_sync" if force else "sync"
        resolved = await self.prepare(
            turn,
            query,
            action,
            confirm=lambda _, c: (
                None
                if confirmed or not force
                else render_confirm(
                    f"Force sync *{c.name}*? A running sync is stopped and started again.",
                    command_text=f"sync {c.id} --force",
                    name=c.name,
                    confirm_label="Force sync",
                )
            ),
            once=lambda c: (f"{action}:{c.id}", f"A sync of {c.name}"),
        )
        if resolved is None:
            return
        connection = resolved[1]
        fresh = await self.deps.actions.refresh(connection.id) or connection
        # taken right before the trigger, not from a cached snapshot
        record = await self.deps.follows.begin(
            connection,
            channel_id=turn.actor.channel_id,
            user_id=turn.actor.user_id,
            force=force,
            baseline=fresh.last_sync_end,
        )
        result = await self.change(
            turn,
            action,
            [connection.id],
            {"force": force},
            # no refresh afterwards: the follower polls the connection anyway
            lambda: self.deps.actions.sync(connection.id, force=force, refresh=False),
        )
        if not result.ok:
            await self.deps.follows.abandon(record, "not_started")
            await self.announce(turn, result, connection.name)
            return
        first = render_followed(None, record)
        await self.post_and_follow(turn, record, first)

    async def pause_resume_test(self, turn: Turn, action: str, query: str, *, confirmed: bool) -> None:

        def confirm(snapshot: AccountSnapshot, c: Connection) -> Message | None:
            if action != "pause" or confirmed or not snapshot.health[c.id].pause_needs_confirm:
                return None
            return render_confirm(
                f"Pause *{c.name}*? It is working; no syncs will run until someone resumes it.",
                command_text=f"pause {c.id}",
                name=c.name,
                confirm_label="Pause",
            )

        resolved = await self.prepare(
            turn,
            query,
            action,
            confirm=confirm,
            once=lambda c: (f"{action}:{c.id}", f"`{action}` on {c.name}"),
        )
        if resolved is None:
            return
        connection = resolved[1]
        actions = self.deps.actions
        if action == "test":
            await turn.out.reply(Message(text=f"Running setup tests on {esc(connection.name)}…"))
            call = lambda: actions.run_setup_tests(connection.id)  # noqa: E731
        elif action == "pause":
            call = lambda: actions.pause(connection.id)  # noqa: E731
        else:
            call = lambda: actions.resume(connection.id)  # noqa: E731
        result = await self.change(turn, action, [connection.id], {}, call)
        await self.announce(turn, result, connection.name)

    async def toggle(
        self, turn: Turn, query: str, schema: str, table: str, enabled: bool, *, confirmed: bool
    ) -> None:
        action = "enable_table" if enabled else "disable_table"
        name = f"{schema}.{table}"
        resolved = await self.prepare(
            turn,
            query,
            action,
            parameters={"table": name},
            confirm=lambda _, c: (
                None
                if enabled or confirmed
                else render_confirm(
                    f"Disable `{name}` on *{c.name}*? It stops syncing to the destination.",
                    command_text=f"disable {c.id} {quote(name)}",
                    name=c.name,
                    confirm_label="Disable",
                )
            ),
            once=lambda c: (f"{action}:{c.id}:{name}", f"`{action}` of {name}"),
        )
        if resolved is None:
            return
        connection = resolved[1]
        result = await self.change(
            turn,
            action,
            [connection.id],
            {"table": name},
            lambda: self.deps.actions.set_table_enabled(connection.id, schema, table, enabled),
        )
        await self.announce(turn, result, connection.name)

    async def resync(
        self, turn: Turn, query: str, tables: tuple[tuple[str, str], ...], *, confirmed: bool
    ) -> None:
        action = "resync_tables" if tables else "resync"
        scope: dict[str, list[str]] = {}
        for schema, table in tables:
            names = scope.setdefault(schema, [])
            if table not in names:
                names.append(table)
        parameters = {"tables": [table_name(s, t) for s, t in tables]} if tables else {}
        needs_approval = not scope and self.deps.resync_approval

        def confirm(_: AccountSnapshot, c: Connection) -> Message | None:
            bare = next((t for s, t in tables if not s), None)
            if bare is not None and not is_hub_channel(c):
                return render_error(
                    # render_error escapes: the names go in as typed
                    f"`{bare}` is not a table of {c.name}: write it as <schema>.<table>, "
                    "e.g. `public.orders`."
                )
            if confirmed:
                return None
            if scope:
                shown = ", ".join(f"`{esc(table_name(s, t))}`" for s, t in tables[:10])
                question = f"Re-sync {shown} on *{c.name}*? Their data is read again from the source."
            else:
                question = (
                    f"Re-sync *all* data of *{c.name}* from the start? A historical re-sync re-reads "
                    "every table and can take long and cost money."
                )
            text = " ".join(["resync", c.id, *(quote(table_name(s, t)) for s, t in tables)])
            return render_confirm(question, command_text=text, confirm_label="Re-sync", name=c.name)

        resolved = await self.prepare(
            turn,
            query,
            action,
            parameters=parameters,
            confirm=confirm,
            # asking for approval is not deduped: the stored request is decided once, whoever presses
            once=None
            if needs_approval
            else lambda c: (f"{action}:{c.id}:{sorted(scope.items())}", "That re-sync"),
        )
        if resolved is None:
            return
        connection = resolved[1]
        if needs_approval:
            await self._ask_approval(turn, connection)
            return
        await self._run_resync(turn, connection, scope, parameters)

    async def _run_resync(
        self,
        turn: Turn,
        connection: Connection,
        scope: dict[str, list[str]],
        parameters: Mapping[str, object],
    ) -> ActionResult:
        actions = self.deps.actions
        action = "resync_tables" if scope else "resync"
        hub = is_hub_channel(connection)
        call = (
            (lambda: actions.resync_tables(connection.id, scope, posts_event=hub))
            if scope
            else (lambda: actions.resync(connection.id, posts_event=hub))
        )
        if hub:  # a refresh of the channel: followed by its event until the hub says it ended
            tables = [t for names in scope.values() for t in names] or None
            return await self.follow_event(
                turn, connection, FollowKind.REFRESH, tables, action, parameters, call
            )
        result = await self.change(turn, action, [connection.id], parameters, call)
        await self.announce(turn, result, connection.name)
        return result

    async def compare(self, turn: Turn, query: str, tables: tuple[str, ...]) -> None:
        """`compare <pipeline> [<table>…]`, HVR only: followed until the event ends, with its result."""
        named = list(dict.fromkeys(tables))
        parameters = {"tables": named} if named else {}
        resolved = await self.prepare(
            turn,
            query,
            "compare",
            parameters=parameters,
            # not a question: a Fivetran connection is told it has no compare, and nothing runs
            confirm=lambda _, c: None if is_hub_channel(c) else render_error(ONLY_HUBS),
            once=lambda c: (f"compare:{c.id}:{sorted(named)}", "That compare"),
        )
        if resolved is None:
            return
        connection = resolved[1]
        await self.follow_event(
            turn,
            connection,
            FollowKind.COMPARE,
            named or None,
            "compare",
            parameters,
            lambda: self.deps.actions.compare(connection.id, named),
        )

    async def _ask_approval(self, turn: Turn, connection: Connection) -> None:
        request = await self.deps.approvals.ask(
            connection_id=connection.id,
            channel_id=turn.actor.channel_id,
            requested_by=turn.actor.user_id,
            ttl=APPROVAL_TTL,
        )

        async def requested() -> ActionResult:
            return ActionResult(
                True, "resync_request", connection.id, "Waiting for a second admin's approval."
            )

        await self.change(turn, "resync_request", [connection.id], {"approval": request.id}, requested)
        message = render_approval_request(
            connection.name, requester=turn.actor.user_id, request_id=request.id, expires="in 24 hours"
        )
        if await turn.out.post(message) is None:
            await turn.out.reply(message, in_channel=True)
        await turn.out.reply(
            Message(
                text=f"Asked for a second admin's approval to re-sync {connection.name}; it runs once approved."
            )
        )

    async def _refuse_decision(
        self,
        turn: Turn,
        reason: str,
        connectors: list[str],
        parameters: Mapping[str, object],
        *,
        by: str | None = None,
    ) -> NoReturn:
        refused = Refused(reason, by=by)
        await self.deps.auditor.refused(turn.audit, "resync", connectors, parameters, str(refused))
        raise refused

    async def approval(self, turn: Turn, request_id: str, *, approve: bool) -> None:
        """Approve or Reject of a stored request: the person pressing must be an admin other than the one
        who asked, and the request pending and unexpired; it is then consumed once, on any replica."""
        request_id = request_id[:64]  # a forged value can be anything; it is only ever looked up
        parameters: dict[str, object] = {"approval": request_id}
        await self.authorize(turn, "resync", [], parameters)
        approvals = self.deps.approvals
        request = await approvals.get(request_id) if request_id else None
        if request is None:
            await self._refuse_decision(
                turn,
                "There is no such re-sync request (the button may have been altered). Ask for the "
                "re-sync again with `/hvr resync <connector>`.",
                [],
                parameters,
            )
        connectors = [request.connection_id]
        parameters["requested_by"] = request.requested_by
        if turn.actor.user_id == request.requested_by:
            await self._refuse_decision(
                turn,
                "A second admin must approve or reject this; not the one who asked.",
                connectors,
                parameters,
            )
        if request.state != "pending":
            await self._refuse_decision(
                turn,
                f"That re-sync request was already {request.state}",
                connectors,
                parameters,
                by=request.decided_by or "someone",
            )
        if request.expires_at <= self.deps.now():
            await self._refuse_decision(
                turn,
                "That re-sync request has expired (requests last 24 hours). Ask for it again.",
                connectors,
                parameters,
            )
        if not await approvals.decide(request.id, by=turn.actor.user_id, approve=approve):
            # another press (here or on another replica) decided it between the read and now
            await self._refuse_decision(
                turn, "That re-sync request was already decided.", connectors, parameters
            )
        resolved = await self.connector(turn, request.connection_id)
        if resolved is None:
            return
        connection = resolved[1]
        outcome = render_approval_outcome(
            connection.name, requester=request.requested_by, approver=turn.actor.user_id, approved=approve
        )
        await turn.out.reply(outcome, replace=True)
        if approve:
            await self._run_resync(
                turn,
                connection,
                {},
                {"requested_by": request.requested_by, "approved_by": turn.actor.user_id},
            )
