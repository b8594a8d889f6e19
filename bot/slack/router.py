"""From a `/hvr` command or a button press to the flow that handles it.

No Bolt here: the listeners hand over an `Actor` and a `Responder`. Every path answers: a result, a
refusal that says why, or an error with a reference id that the log also has.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot.blocks import ids
from bot.blocks.message import Message
from bot.blocks.prompts import (
    render_cancelled,
    render_confirmed,
    render_error,
    render_refused,
    render_usage_error,
)
from bot.clock import Sleep
from bot.commands.digest_commands import DigestAdd, DigestForm, DigestList, DigestNow, DigestRemove
from bot.commands.grammar import (
    AccessCmd,
    AuditCmd,
    BulkCmd,
    ColumnsCmd,
    Command,
    GroupCmd,
    GroupsCmd,
    HelpCmd,
    ListCmd,
    PauseCmd,
    ReconnectCmd,
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
from bot.commands.hub_commands import CompareCmd
from bot.commands.schedule_commands import ScheduleCmd
from bot.commands.watch_commands import Unsnooze, Unwatch, WatchAdd, WatchForm, WatchList
from bot.fivetran.errors import FivetranError
from bot.fivetran.patience import COMMAND_WAIT_S, patience
from bot.services.governance.access import Actor, Refused
from bot.services.pipelines.actions import explain
from bot.services.pipelines.kinds import FIVETRAN_ONLY, SourceKinds
from bot.services.runtime.foreground import Foreground
from bot.services.runtime.posting import MessageRef
from bot.slack.admin import Admin
from bot.slack.bulk_flow import Bulk
from bot.slack.changes import Changes
from bot.slack.columns import BUTTONS as COLUMN_BUTTONS
from bot.slack.columns import Columns
from bot.slack.flow import Deps
from bot.slack.forms import Forms
from bot.slack.incidents import Incidents
from bot.slack.reads import Reads
from bot.slack.reload import Reloads
from bot.slack.schedules import Schedules
from bot.slack.subscriptions import Subscriptions
from bot.slack.turn import ModalOpener, Responder, Turn, reference_id
from bot.slack.unfurls import Unfurls

__all__ = ["Responder", "Router", "reference_id"]

log = logging.getLogger(__name__)

# Slack shows nothing while the bot works: after this long without an answer, the person hears why.
NOTICE_AFTER_S = 3.0


def still_waiting(configured: SourceKinds) -> str:
    """The notice of a slow answer, naming who is slow: a hub-only bot waits on its hubs, not Fivetran."""
    return f"Still waiting for {configured.speakers}…"


STILL_WAITING = still_waiting(FIVETRAN_ONLY)


class _Heard:
    """The turn's responder, noting whether the person has been told anything yet."""

    def __init__(self, out: Responder) -> None:
        self._out = out
        self.anything = False

    async def reply(self, message: Message, *, replace: bool = False, in_channel: bool = False) -> None:
        self.anything = True
        await self._out.reply(message, replace=replace, in_channel=in_channel)

    async def post(self, message: Message) -> MessageRef | None:
        self.anything = True
        return await self._out.post(message)

    async def update(self, ref: MessageRef, message: Message) -> None:
        await self._out.update(ref, message)


class TurnObserver(Protocol):
    """Told of every command and button handled (BotMetrics counts them): `name` is the command's verb
    as typed, lowercased, or the button's action id base; the observer bounds them to labels."""

    def turn(self, kind: str, name: str, outcome: str, seconds: float) -> None: ...


class _Unobserved:
    def turn(self, kind: str, name: str, outcome: str, seconds: float) -> None:
        pass


class Router:
    def __init__(
        self,
        deps: Deps,
        *,
        observer: TurnObserver | None = None,
        sleep: Sleep = asyncio.sleep,
        notice_after_s: float = NOTICE_AFTER_S,
        wait_s: float = COMMAND_WAIT_S,
        patience_clock: Callable[[], float] = time.monotonic,
        foreground: Foreground | None = None,
    ) -> None:
        self.deps = deps
        self.observer = observer or _Unobserved()
        self._sleep = sleep
        self._notice_after_s = notice_after_s
        self._wait_s = wait_s
        # Real time, not the bot's injectable clock: the bound is on how long a person waits, and a test
        # clock that background sleeps move forward would spend one command's patience on another's wait.
        self._patience_clock = patience_clock
        self.reads = Reads(deps)
        self.changes = Changes(deps)
        self.reloads = Reloads(deps)
        self.columns = Columns(deps)
        self.admin = Admin(deps)
        self.bulk = Bulk(deps)
        self.subscriptions = Subscriptions(deps)
        self.schedules = Schedules(deps)
        self.unfurls = Unfurls(deps)
        self.forms = Forms(self.subscriptions)
        self.incidents = Incidents(deps)
        # the requests being handled now (the shell waits for none before the next line); background work
        # waits behind them
        self.foreground = foreground or Foreground()

    @property
    def inflight(self) -> int:
        return self.foreground.active

    # --- entry points ----------------------------------------------------------------------------------

    async def command(
        self,
        text: str,
        actor: Actor,
        out: Responder,
        *,
        confirmed: bool = False,
        modal: ModalOpener | None = None,
    ) -> None:
        heard = _Heard(out)
        turn = Turn(actor, heard, "command", reference_id(), modal)
        verb = text.split(maxsplit=1)[0].lower() if text.strip() else "help"
        work = self._command(turn, text, confirmed=confirmed)
        await self._guard(turn, heard, work, f"command {text[:80]!r}", verb)

    async def action(
        self, action_id: str, value: str, actor: Actor, out: Responder, *, press: str = ""
    ) -> None:
        heard = _Heard(out)
        turn = Turn(actor, heard, "button", reference_id(), press=press)
        base = ids.base_of(action_id)
        await self._guard(turn, heard, self._action(turn, base, value), f"button {action_id}", base)

    async def _guard(self, turn: Turn, heard: _Heard, work: Awaitable[None], what: str, name: str) -> None:
        """The turn inside its Fivetran patience (bounded in the transport), with one "still waiting", and
        the one place a turn's failure becomes a reply with a reference id.

        `what` is for the log line (any text, quoted); `name` is the structured part the observer counts."""
        with patience(self._wait_s, self._patience_clock) as bound, self.foreground.busy():
            started = time.perf_counter()
            outcome = "ok"

            async def notice() -> None:
                await self._sleep(self._notice_after_s)
                if not heard.anything and bound.waiting:
                    await turn.out.reply(Message(text=still_waiting(self.deps.configured)))

            noticing = asyncio.create_task(notice())
            try:
                await work
            except Refused as refused:
                outcome = "refused"
                await turn.out.reply(render_refused(refused.reason, ask=refused.ask, by=refused.by))
            except FivetranError as error:
                outcome = "fivetran_error"
                # the source that answered by name: a hub's error is not Fivetran's
                log.warning(
                    "source error [%s] from %s during %s: %s", turn.request_id, error.speaker, what, error
                )
                await turn.out.reply(render_error(explain(error, "read"), reference=turn.request_id))
            except Exception:
                outcome = "error"
                log.exception("unexpected error [%s] during %s", turn.request_id, what)
                message = "Something went wrong on my side; nothing more was done."
                await turn.out.reply(render_error(message, reference=turn.request_id))
            finally:
                noticing.cancel()
                await asyncio.gather(noticing, return_exceptions=True)
                seconds = time.perf_counter() - started
                # One line per request under its reference id, so `grep <ref>` finds it; a failure's line is
                # the warning or traceback above, so that one is not followed by a second.
                if outcome in ("ok", "refused"):
                    log.info(
                        "[%s] %s by %s in %s: %s in %.0f ms",
                        turn.request_id,
                        what,
                        turn.actor.user_id,
                        turn.actor.channel_id,
                        outcome,
                        seconds * 1000,
                    )
                self.observer.turn(turn.source, name, outcome, seconds)

    # --- commands --------------------------------------------------------------------------------------

    async def _command(self, turn: Turn, text: str, *, confirmed: bool) -> None:
        try:
            cmd = parse(text, default_tz=self.deps.default_tz)
        except UsageError as error:
            await turn.out.reply(render_usage_error(error))
            return
        await self.run(turn, cmd, confirmed=confirmed)

    def run(self, turn: Turn, cmd: Command, *, confirmed: bool) -> Awaitable[None]:
        """The handler's coroutine for `cmd`, handed back rather than awaited: one frame less on every
        command's way to Fivetran (tests/e2e/test_frames.py counts them)."""
        if isinstance(cmd, HelpCmd):
            return self.reads.help(turn, cmd.topic)
        elif isinstance(cmd, ListCmd):
            return self.reads.list(turn, cmd.selector.as_text(), cmd.page)
        elif isinstance(cmd, ShowCmd):
            return self.reads.show(turn, cmd.connector)
        elif isinstance(cmd, GroupsCmd):
            return self.reads.groups(turn)
        elif isinstance(cmd, GroupCmd):
            return self.reads.group(turn, cmd.group)
        elif isinstance(cmd, SchemasCmd):
            return self.reads.schemas(turn, cmd.connector)
        elif isinstance(cmd, TablesCmd):
            return self.reads.tables(turn, cmd.connector, cmd.schema, 1)
        elif isinstance(cmd, ColumnsCmd):
            return self.columns.columns(turn, cmd.connector, cmd.schema, cmd.table)
        elif isinstance(cmd, SyncCmd):
            return self.changes.sync(turn, cmd.connector, force=cmd.force, confirmed=confirmed)
        elif isinstance(cmd, PauseCmd | ResumeCmd | TestCmd):
            action = {PauseCmd: "pause", ResumeCmd: "resume", TestCmd: "test"}[type(cmd)]
            return self.changes.pause_resume_test(turn, action, cmd.connector, confirmed=confirmed)
        elif isinstance(cmd, TableToggleCmd):
            return self.changes.toggle(
                turn, cmd.connector, cmd.schema, cmd.table, cmd.enabled, confirmed=confirmed
            )
        elif isinstance(cmd, ResyncCmd):
            return self.changes.resync(turn, cmd.connector, cmd.tables, confirmed=confirmed)
        elif isinstance(cmd, CompareCmd):
            return self.changes.compare(turn, cmd.connector, cmd.tables)
        elif isinstance(cmd, ScheduleCmd):
            if cmd.change is None:
                return self.schedules.show(turn, cmd.connector)
            return self.schedules.set(turn, cmd.connector, cmd.change)
        elif isinstance(cmd, ReconnectCmd):
            return self.schedules.reconnect(turn, cmd.connector)
        elif isinstance(cmd, BulkCmd):
            return self.bulk.preview(turn, cmd)
        elif isinstance(cmd, AccessCmd):
            return self.admin.access(turn, cmd)
        elif isinstance(cmd, AuditCmd):
            return self.admin.audit(turn, cmd)
        elif isinstance(cmd, DigestForm):
            return self.forms.open_digest(turn)
        elif isinstance(cmd, WatchForm):
            return self.forms.open_watch(turn)
        elif isinstance(cmd, DigestAdd | DigestList | DigestRemove | DigestNow):
            return self.subscriptions.digest(turn, cmd)
        elif isinstance(cmd, Unsnooze):
            return self.incidents.unsnooze(turn, cmd)
        elif isinstance(cmd, WatchAdd | WatchList | Unwatch):
            return self.subscriptions.watch(turn, cmd)
        raise AssertionError(f"no handler for {type(cmd).__name__}")

    # --- buttons ---------------------------------------------------------------------------------------

    async def _action(self, turn: Turn, base: str, value: str) -> None:
        # An overflow menu has no per-option confirm dialog, so its Pause asks in a message instead.
        from_menu = base == ids.ROW_MENU
        if from_menu:
            base, value = ids.split_menu_value(value)
        fields = ids.unpack(value)
        if base == ids.SHOW:
            await self.reads.show(turn, value)
        elif base == ids.LIST_PAGE:
            await self.reads.list(turn, str(fields.get("q", "")), _page(fields), replace=True)
        elif base == ids.GROUP:
            await self.reads.group(turn, value)
        elif base == ids.SCHEMAS:
            await self.reads.schemas(turn, value)
        elif base == ids.TABLES:
            schema = fields.get("s")
            schema = schema if isinstance(schema, str) else None
            # a list row's menu carries the bare key (a channel's Tables), a view's button a packed value
            connection = str(fields.get("c") or (value if from_menu else ""))
            await self.reads.tables(turn, connection, schema, _page(fields), replace=not from_menu)
        elif base in (ids.SYNC, ids.FORCE_SYNC):
            await self.changes.sync(turn, value, force=base == ids.FORCE_SYNC, confirmed=True)
        elif base in (ids.PAUSE, ids.RESUME, ids.TEST):
            action = {ids.PAUSE: "pause", ids.RESUME: "resume", ids.TEST: "test"}[base]
            await self.changes.pause_resume_test(turn, action, value, confirmed=not from_menu)
        elif base == ids.RESYNC:
            await self.changes.resync(turn, value, (), confirmed=True)
        elif base in (ids.RESYNC_TABLE, ids.ENABLE_TABLE, ids.DISABLE_TABLE):
            await self._table_button(turn, base, fields)
        elif base == ids.SCHEDULE:
            await self.schedules.show(turn, value)
        elif base == ids.RECONNECT:
            await self.schedules.reconnect(turn, value)
        elif base == ids.RELOAD_SCHEMAS:
            await self.reloads.reload(turn, value)
        elif base == ids.COLUMNS or base in COLUMN_BUTTONS:
            await self._column_button(turn, base, fields)
        elif base == ids.CONFIRM:
            await self._confirmed(turn, fields)
        elif base == ids.CANCEL:
            await turn.out.reply(render_cancelled(by=turn.actor.user_id), replace=True)
        elif base == ids.BULK_CONFIRM:
            await self.bulk.confirm(turn, value)
        elif base == ids.BULK_CANCEL:
            await self.bulk.cancel(turn, value)
        elif base == ids.ACKNOWLEDGE:
            await self.incidents.acknowledge(turn, value)
        elif base == ids.SNOOZE:
            await self.incidents.snooze(turn, value)
        elif base in (ids.APPROVE, ids.REJECT):
            await self.changes.approval(turn, value, approve=base == ids.APPROVE)
        else:
            await turn.out.reply(
                render_error("That button is from an older version of me; run the command again.")
            )

    async def _table_button(self, turn: Turn, base: str, fields: dict[str, Any]) -> None:
        connection_id, schema, table = (str(fields.get(k, "")) for k in ("c", "s", "t"))
        if not (connection_id and schema and table):
            await turn.out.reply(render_error("That button is missing its table; open `/hvr tables` again."))
            return
        if base == ids.RESYNC_TABLE:
            await self.changes.resync(turn, connection_id, ((schema, table),), confirmed=True)
        else:
            enabled = base == ids.ENABLE_TABLE
            await self.changes.toggle(turn, connection_id, schema, table, enabled, confirmed=True)

    async def _column_button(self, turn: Turn, base: str, fields: dict[str, Any]) -> None:
        connection_id, schema, table, column = (str(fields.get(k, "")) for k in ("c", "s", "t", "k"))
        if base == ids.COLUMNS:
            if not (connection_id and schema and table):
                await turn.out.reply(
                    render_error("That button is missing its table; open `/hvr tables` again.")
                )
                return
            await self.columns.columns(turn, connection_id, schema, table, _page(fields), replace=True)
            return
        await self.columns.set_column(turn, COLUMN_BUTTONS[base], connection_id, schema, table, column)

    async def _confirmed(self, turn: Turn, fields: dict[str, Any]) -> None:
        text = str(fields.get("cmd", ""))
        if not text:
            await turn.out.reply(render_error("That confirmation has expired; run the command again."))
            return
        said = render_confirmed(
            turn.actor.user_id, text, name=str(fields.get("n", "")), label=str(fields.get("l", ""))
        )
        await turn.out.reply(said, replace=True)
        await self._command(turn, text, confirmed=True)


def _page(fields: dict[str, Any]) -> int:
    page = fields.get("p", 1)
    return page if isinstance(page, int) and page >= 1 else 1
