"""From a parsed `/hvr` command or a button press to services, views and answers.

No Bolt here: the listeners hand over a `Responder` (which knows response_url and chat.update) and an
`Actor`. Every path answers: a result, a refusal that says why, or an error with a reference id.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.blocks import ids
from bot.blocks.actions import render_action_result, render_follow
from bot.blocks.connectors import render_group, render_groups, render_list, render_show
from bot.blocks.message import Message
from bot.blocks.prompts import (
    render_ambiguous,
    render_cancelled,
    render_confirm,
    render_confirmed,
    render_error,
    render_help,
    render_not_found,
    render_refused,
    render_usage_error,
)
from bot.blocks.schemas import render_schemas, render_tables
from bot.fivetran.errors import FivetranError
from bot.fivetran.models import Connection
from bot.services.access import AccessPolicy, Actor, Refused
from bot.services.actions import ActionResult, ConnectorActions, explain
from bot.services.background import Background
from bot.services.dedupe import Dedupe
from bot.services.follow import SyncFollower
from bot.services.grammar import (
    BulkCmd,
    Command,
    GroupCmd,
    GroupsCmd,
    HelpCmd,
    ListCmd,
    PauseCmd,
    ResumeCmd,
    ResyncCmd,
    SchemasCmd,
    ShowCmd,
    SyncCmd,
    TablesCmd,
    TableToggleCmd,
    TestCmd,
    UsageError,
    parse,
)
from bot.services.resolve import Ambiguous, Found, resolve
from bot.services.selectors import parse_selector, select
from bot.services.snapshot import AccountSnapshot, SnapshotCache

log = logging.getLogger(__name__)

DEDUPE_WINDOW_S = 10.0


@dataclass(frozen=True)
class MessageRef:
    channel: str
    ts: str


class Responder(Protocol):
    async def reply(self, message: Message, *, replace: bool = False, in_channel: bool = False) -> None:
        """Answer the person through the request's response_url (ephemeral unless `in_channel`)."""

    async def post(self, message: Message) -> MessageRef | None:
        """A channel message the bot can update later; None when it cannot post there."""

    async def update(self, ref: MessageRef, message: Message) -> None: ...


def reference_id() -> str:
    return uuid.uuid4().hex[:10]


class Router:
    def __init__(
        self,
        *,
        cache: SnapshotCache,
        actions: ConnectorActions,
        follower: SyncFollower,
        policy: AccessPolicy,
        background: Background,
        dedupe: Dedupe,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self.actions = actions
        self.follower = follower
        self.policy = policy
        self.background = background
        self.dedupe = dedupe
        self._now = now
        self._clock = clock
        self.inflight = 0  # requests being handled now; the shell waits for 0 before the next line

    # --- entry points ----------------------------------------------------------------------------------

    async def command(self, text: str, actor: Actor, out: Responder, *, confirmed: bool = False) -> None:
        await self._guard(out, self._command(text, actor, out, confirmed=confirmed), f"command {text[:80]!r}")

    async def action(self, action_id: str, value: str, actor: Actor, out: Responder) -> None:
        await self._guard(out, self._action(ids.base_of(action_id), value, actor, out), f"button {action_id}")

    async def _guard(self, out: Responder, work: Any, what: str) -> None:
        self.inflight += 1
        try:
            await work
        except Refused as refused:
            await out.reply(render_refused(refused.reason, ask=refused.ask))
        except FivetranError as error:
            ref = reference_id()
            log.warning("fivetran error [%s] during %s: %s", ref, what, error)
            await out.reply(render_error(explain(error, "read"), reference=ref))
        except Exception:
            ref = reference_id()
            log.exception("unexpected error [%s] during %s", ref, what)
            await out.reply(
                render_error("Something went wrong on my side; nothing more was done.", reference=ref)
            )
        finally:
            self.inflight -= 1

    # --- commands --------------------------------------------------------------------------------------

    async def _command(self, text: str, actor: Actor, out: Responder, *, confirmed: bool) -> None:
        try:
            cmd = parse(text)
        except UsageError as error:
            await out.reply(render_usage_error(error))
            return
        await self.run(cmd, actor, out, confirmed=confirmed, from_button=False)

    async def run(
        self, cmd: Command, actor: Actor, out: Responder, *, confirmed: bool, from_button: bool
    ) -> None:
        if isinstance(cmd, HelpCmd):
            await out.reply(render_help(cmd.topic))
        elif isinstance(cmd, ListCmd):
            await self._list(cmd.selector.as_text(), cmd.page, actor, out, replace=False)
        elif isinstance(cmd, ShowCmd):
            await self._show(cmd.connector, actor, out)
        elif isinstance(cmd, GroupsCmd):
            await self.policy.check(actor, "groups")
            await out.reply(render_groups(await self.cache.get()))
        elif isinstance(cmd, GroupCmd):
            await self._group(cmd.group, actor, out)
        elif isinstance(cmd, SchemasCmd):
            await self._schemas(cmd.connector, actor, out)
        elif isinstance(cmd, TablesCmd):
            await self._tables(cmd.connector, cmd.schema, 1, actor, out, replace=False)
        elif isinstance(cmd, SyncCmd):
            await self._sync(cmd, actor, out, confirmed=confirmed or from_button)
        elif isinstance(cmd, PauseCmd | ResumeCmd | TestCmd):
            await self._simple(cmd, actor, out, confirmed=confirmed or from_button)
        elif isinstance(cmd, TableToggleCmd):
            await self._toggle(cmd, actor, out, confirmed=confirmed or from_button)
        elif isinstance(cmd, ResyncCmd):
            await self._resync(cmd, actor, out, confirmed=confirmed or from_button)
        elif isinstance(cmd, BulkCmd):
            await self.policy.check(actor, "bulk")
            await out.reply(
                render_error(
                    f"Bulk `{cmd.action}` on {cmd.selector.describe()} is not available in this version yet; "
                    "act on one connector at a time."
                )
            )

    async def _connector(self, query: str, out: Responder) -> tuple[AccountSnapshot, Connection] | None:
        """Resolve what was typed; answer "did you mean" or the candidates when it is not one connector."""
        snapshot = await self.cache.get()
        found = resolve(snapshot, query)
        if isinstance(found, Found):
            return snapshot, found.connection
        if isinstance(found, Ambiguous):
            await out.reply(render_ambiguous(found, snapshot))
        else:
            await out.reply(render_not_found(found, snapshot))
        return None

    async def _list(self, query: str, page: int, actor: Actor, out: Responder, *, replace: bool) -> None:
        await self.policy.check(actor, "list")
        try:
            selector = parse_selector(query.split())
        except ValueError as error:
            await out.reply(render_usage_error(UsageError(str(error), "list")))
            return
        snapshot = await self.cache.get()
        selected = select(snapshot, selector)
        await out.reply(
            render_list(snapshot, selected, selector, page=page, now=self._now()), replace=replace
        )

    async def _show(self, query: str, actor: Actor, out: Responder, *, notice: str | None = None) -> None:
        await self.policy.check(actor, "show")
        resolved = await self._connector(query, out)
        if resolved is None:
            return
        _, connection = resolved
        fresh = await self.actions.refresh(connection.id) or connection
        snapshot = self.cache.peek() or resolved[0]
        await out.reply(render_show(snapshot, fresh, now=self._now(), notice=notice))

    async def _group(self, query: str, actor: Actor, out: Responder) -> None:
        await self.policy.check(actor, "group")
        snapshot = await self.cache.get()
        key = query.strip().lower()
        for group in snapshot.groups.values():
            if key in (group.id.lower(), group.name.lower()):
                await out.reply(render_group(snapshot, group, now=self._now()))
                return
        names = ", ".join(sorted(g.name for g in snapshot.groups.values())[:20])
        await out.reply(
            render_error(f"No group named `{query}`. Groups: {names}. `/hvr groups` lists them all.")
        )

    async def _schemas(self, query: str, actor: Actor, out: Responder) -> None:
        await self.policy.check(actor, "schemas")
        resolved = await self._connector(query, out)
        if resolved is not None:
            settings = await self.actions.get_schemas(resolved[1].id)
            await out.reply(render_schemas(resolved[1], settings))

    async def _tables(
        self, query: str, schema: str | None, page: int, actor: Actor, out: Responder, *, replace: bool
    ) -> None:
        await self.policy.check(actor, "tables")
        resolved = await self._connector(query, out)
        if resolved is not None:
            settings = await self.actions.get_schemas(resolved[1].id)
            await out.reply(render_tables(resolved[1], settings, schema, page=page), replace=replace)

    async def _first(self, key: str, out: Responder, what: str) -> bool:
        if await self.dedupe.first_time(key, DEDUPE_WINDOW_S):
            return True
        await out.reply(render_error(f"{what} was just requested; I'm not doing it twice."))
        return False

    async def _announce(self, result: ActionResult, actor: Actor, name: str, out: Responder) -> None:
        message = render_action_result(result, actor=actor.user_id, connection_name=name, now=self._now())
        # Changes are told to the channel, so the team sees who did what; refusals only to the person.
        await out.reply(message, in_channel=result.ok)

    async def _sync(self, cmd: SyncCmd, actor: Actor, out: Responder, *, confirmed: bool) -> None:
        action = "force_sync" if cmd.force else "sync"
        await self.policy.check(actor, action)
        resolved = await self._connector(cmd.connector, out)
        if resolved is None:
            return
        connection = resolved[1]
        if cmd.force and not confirmed:
            await out.reply(
                render_confirm(
                    f"Force sync *{connection.name}*? A running sync is stopped and started again.",
                    command_text=f"sync {connection.id} --force",
                    confirm_label="Force sync",
                )
            )
            return
        if not await self._first(f"{action}:{connection.id}", out, f"A sync of {connection.name}"):
            return
        fresh = await self.actions.refresh(connection.id) or connection
        baseline = fresh.last_sync_end  # taken right before the trigger, not from a cached snapshot
        started = self._clock()
        result = await self.actions.sync(connection.id, force=cmd.force)
        if not result.ok:
            await self._announce(result, actor, connection.name, out)
            return
        first = render_follow(
            None,
            actor=actor.user_id,
            connection_name=connection.name,
            connection_id=connection.id,
            force=cmd.force,
        )
        ref = await out.post(first)
        if ref is None:
            await out.reply(first, in_channel=False)
        self.background.spawn(
            self._follow(connection, baseline, started, actor, out, ref, cmd.force),
            name=f"follow:{connection.id}",
        )

    async def _follow(
        self,
        connection: Connection,
        baseline: datetime | None,
        started: float,
        actor: Actor,
        out: Responder,
        ref: MessageRef | None,
        force: bool,
    ) -> None:
        try:
            async for update in self.follower.follow(connection.id, baseline, started):
                message = render_follow(
                    update,
                    actor=actor.user_id,
                    connection_name=connection.name,
                    connection_id=connection.id,
                    force=force,
                )
                if ref is not None:
                    await out.update(ref, message)
                else:
                    await out.reply(message, replace=True)
        except Exception:
            ref_id = reference_id()
            log.exception("following the sync of %s failed [%s]", connection.id, ref_id)
            await out.reply(
                render_error(f"I lost track of the sync of {connection.name}.", reference=ref_id),
                in_channel=False,
            )

    async def _simple(
        self, cmd: PauseCmd | ResumeCmd | TestCmd, actor: Actor, out: Responder, *, confirmed: bool
    ) -> None:
        action = {PauseCmd: "pause", ResumeCmd: "resume", TestCmd: "test"}[type(cmd)]
        await self.policy.check(actor, action)
        resolved = await self._connector(cmd.connector, out)
        if resolved is None:
            return
        snapshot, connection = resolved
        if isinstance(cmd, PauseCmd) and not confirmed and snapshot.health[connection.id].pause_needs_confirm:
            await out.reply(
                render_confirm(
                    f"Pause *{connection.name}*? It is healthy; no syncs will run until someone resumes it.",
                    command_text=f"pause {connection.id}",
                    confirm_label="Pause",
                )
            )
            return
        if not await self._first(f"{action}:{connection.id}", out, f"`{action}` on {connection.name}"):
            return
        if isinstance(cmd, PauseCmd):
            result = await self.actions.pause(connection.id)
        elif isinstance(cmd, ResumeCmd):
            result = await self.actions.resume(connection.id)
        else:
            await out.reply(Message(text=f"Running setup tests on {connection.name}…"))
            result = await self.actions.run_setup_tests(connection.id)
        await self._announce(result, actor, connection.name, out)

    async def _toggle(self, cmd: TableToggleCmd, actor: Actor, out: Responder, *, confirmed: bool) -> None:
        action = "enable_table" if cmd.enabled else "disable_table"
        await self.policy.check(actor, action)
        resolved = await self._connector(cmd.connector, out)
        if resolved is None:
            return
        connection = resolved[1]
        table = f"{cmd.schema}.{cmd.table}"
        if not cmd.enabled and not confirmed:
            await out.reply(
                render_confirm(
                    f"Disable `{table}` on *{connection.name}*? It stops syncing to the destination.",
                    command_text=f"disable {connection.id} {_quote(table)}",
                    confirm_label="Disable",
                )
            )
            return
        if not await self._first(f"{action}:{connection.id}:{table}", out, f"`{action}` of {table}"):
            return
        result = await self.actions.set_table_enabled(connection.id, cmd.schema, cmd.table, cmd.enabled)
        await self._announce(result, actor, connection.name, out)

    async def _resync(self, cmd: ResyncCmd, actor: Actor, out: Responder, *, confirmed: bool) -> None:
        action = "resync_tables" if cmd.tables else "resync"
        await self.policy.check(actor, action)
        resolved = await self._connector(cmd.connector, out)
        if resolved is None:
            return
        connection = resolved[1]
        scope: dict[str, list[str]] = {}
        for schema, table in cmd.tables:
            scope.setdefault(schema, [])
            if table not in scope[schema]:
                scope[schema].append(table)
        if not confirmed:
            if scope:
                names = ", ".join(f"`{s}.{t}`" for s, t in cmd.tables[:10])
                question = (
                    f"Re-sync {names} on *{connection.name}*? Their data is read again from the source."
                )
            else:
                question = (
                    f"Re-sync *all* data of *{connection.name}* from the start? A historical re-sync re-reads "
                    "every table and can take long and cost money."
                )
            text = " ".join(["resync", connection.id, *(_quote(f"{s}.{t}") for s, t in cmd.tables)])
            await out.reply(render_confirm(question, command_text=text, confirm_label="Re-sync"))
            return
        if not await self._first(f"{action}:{connection.id}:{sorted(scope.items())}", out, "That re-sync"):
            return
        if scope:
            result = await self.actions.resync_tables(connection.id, scope)
        else:
            result = await self.actions.resync(connection.id)
        await self._announce(result, actor, connection.name, out)

    # --- buttons ---------------------------------------------------------------------------------------

    async def _action(self, base: str, value: str, actor: Actor, out: Responder) -> None:
        # An overflow menu has no per-option confirm dialog, so its Pause asks in a message instead.
        from_menu = base == ids.ROW_MENU
        if from_menu:
            base, value = ids.split_menu_value(value)
        fields = ids.unpack(value)
        if base == ids.SHOW:
            await self._show(value, actor, out)
        elif base == ids.LIST_PAGE:
            await self._list(str(fields.get("q", "")), _page(fields), actor, out, replace=True)
        elif base == ids.GROUP:
            await self._group(value, actor, out)
        elif base == ids.SCHEMAS:
            await self._schemas(value, actor, out)
        elif base == ids.TABLES:
            schema = fields.get("s")
            await self._tables(
                str(fields.get("c", "")),
                schema if isinstance(schema, str) else None,
                _page(fields),
                actor,
                out,
                replace=True,
            )
        elif base in (ids.SYNC, ids.FORCE_SYNC):
            await self._sync(SyncCmd(value, force=base == ids.FORCE_SYNC), actor, out, confirmed=True)
        elif base == ids.PAUSE:
            await self._simple(PauseCmd(value), actor, out, confirmed=not from_menu)
        elif base == ids.RESUME:
            await self._simple(ResumeCmd(value), actor, out, confirmed=True)
        elif base == ids.TEST:
            await self._simple(TestCmd(value), actor, out, confirmed=True)
        elif base == ids.RESYNC:
            await self._resync(ResyncCmd(value), actor, out, confirmed=True)
        elif base in (ids.RESYNC_TABLE, ids.ENABLE_TABLE, ids.DISABLE_TABLE):
            await self._table_button(base, fields, actor, out)
        elif base == ids.RELOAD_SCHEMAS:
            await self._reload(value, actor, out)
        elif base == ids.CONFIRM:
            await self._confirmed(str(fields.get("cmd", "")), actor, out)
        elif base == ids.CANCEL:
            await out.reply(render_cancelled(f"by {actor.user_id}"), replace=True)
        else:
            await out.reply(
                render_error("That button is from an older version of me; run the command again.")
            )

    async def _table_button(self, base: str, fields: dict[str, Any], actor: Actor, out: Responder) -> None:
        connection_id, schema, table = (str(fields.get(k, "")) for k in ("c", "s", "t"))
        if not (connection_id and schema and table):
            await out.reply(render_error("That button is missing its table; open `/hvr tables` again."))
            return
        if base == ids.RESYNC_TABLE:
            await self._resync(ResyncCmd(connection_id, ((schema, table),)), actor, out, confirmed=True)
        else:
            cmd = TableToggleCmd(connection_id, schema, table, base == ids.ENABLE_TABLE)
            await self._toggle(cmd, actor, out, confirmed=True)

    async def _reload(self, connection_id: str, actor: Actor, out: Responder) -> None:
        await self.policy.check(actor, "reload_schemas")
        resolved = await self._connector(connection_id, out)
        if resolved is None:
            return
        if not await self._first(f"reload:{connection_id}", out, "A schema reload"):
            return
        result = await self.actions.reload_schemas(resolved[1].id)
        if result.ok and result.schemas is not None:
            await out.reply(render_schemas(resolved[1], result.schemas), replace=True)
        await self._announce(result, actor, resolved[1].name, out)

    async def _confirmed(self, text: str, actor: Actor, out: Responder) -> None:
        if not text:
            await out.reply(render_error("That confirmation has expired; run the command again."))
            return
        await out.reply(render_confirmed(actor.user_id, text), replace=True)
        await self._command(text, actor, out, confirmed=True)


def _page(fields: dict[str, Any]) -> int:
    page = fields.get("p", 1)
    return page if isinstance(page, int) and page >= 1 else 1


def _quote(text: str) -> str:
    return f'"{text}"' if any(c.isspace() or c in "\"'" for c in text) else text
