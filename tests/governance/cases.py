"""Every command the grammar parses and every button the bot draws, with the role DESIGN.md gives it and
the Fivetran operations it sends once allowed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.blocks import ids
from bot.services.governance.access import CHANGES, Role
from tests.governance.conftest import ADMIN, ADMIN2, CHANNEL, Gov, Target, buttons_of

GET_CONNECTION = "GET /v1/connections/{connection_id}"
PATCH_CONNECTION = "PATCH /v1/connections/{connection_id}"
SYNC = "POST /v1/connections/{connection_id}/sync"
RESYNC = "POST /v1/connections/{connection_id}/resync"
RESYNC_TABLES = "POST /v1/connections/{connection_id}/schemas/tables/resync"
TEST = "POST /v1/connections/{connection_id}/test"
GET_SCHEMAS = "GET /v1/connections/{connection_id}/schemas"
RELOAD = "POST /v1/connections/{connection_id}/schemas/reload"
PATCH_TABLE = "PATCH /v1/connections/{connection_id}/schemas/{schema}/tables/{table}"
GET_COLUMNS = "GET /v1/connections/{connection_id}/schemas/{schema}/tables/{table}/columns"
PATCH_COLUMN = "PATCH /v1/connections/{connection_id}/schemas/{schema}/tables/{table}/columns/{column}"


@dataclass(frozen=True)
class CommandCase:
    text: str  # with {healthy} {paused} {table} {group} placeholders
    action: str  # the name in access.REQUIRED
    needed: Role | None  # None: anyone, not even checked
    sends: frozenset[str] = field(default_factory=frozenset)  # Fivetran operations once allowed

    def render(self, gov: Gov, slot: int = 0) -> str:
        """The command on the `slot`th pair of targets (0 or 1)."""
        target = gov.t.healthy[slot]
        return self.text.format(
            healthy=target.id,
            paused=gov.t.paused[slot],
            table=f"{target.schema}.{target.table}",
            group=gov.t.group_id,
        )

    @property
    def changes_fivetran(self) -> bool:
        return self.action in CHANGES


def _c(text: str, action: str, needed: Role | None, *sends: str) -> CommandCase:
    return CommandCase(text, action, needed, frozenset(sends))


VW, OP, AD = Role.VIEWER, Role.OPERATOR, Role.ADMIN

COMMANDS: list[CommandCase] = [
    _c("help", "help", None),
    _c("help sync", "help", None),
    _c("list", "list", VW),
    _c("show {healthy}", "show", VW, GET_CONNECTION),
    _c("status {healthy}", "show", VW, GET_CONNECTION),
    _c("groups", "groups", VW),
    _c("group {group}", "group", VW),
    _c("schemas {healthy}", "schemas", VW, GET_SCHEMAS),
    _c("tables {healthy}", "tables", VW, GET_SCHEMAS),
    _c("columns {healthy} {table}", "columns", VW, GET_COLUMNS),
    _c("sync {healthy}", "sync", OP, SYNC),
    _c("sync {healthy} --force", "force_sync", OP, SYNC),
    _c("pause {healthy}", "pause", OP, PATCH_CONNECTION),
    _c("resume {paused}", "resume", OP, PATCH_CONNECTION),
    _c("test {healthy}", "test", OP, TEST),
    _c("enable {healthy} {table}", "enable_table", OP, PATCH_TABLE),
    _c("disable {healthy} {table}", "disable_table", OP, PATCH_TABLE),
    _c("resync {healthy} {table}", "resync_tables", OP, RESYNC_TABLES),
    # an operator's compare of a Fivetran connection is answered "only for HVR channels" and sends
    # nothing; the hub's are in tests/e2e/test_hubs.py
    _c("compare {healthy}", "compare", OP),
    _c("resync {healthy}", "resync", AD, RESYNC),
    _c("schedule {healthy}", "show", VW, GET_CONNECTION),
    _c("schedule {healthy} every 6h", "schedule", OP, PATCH_CONNECTION),
    _c("reconnect {healthy}", "reconnect", OP),
    _c("schedule group:{group} every 6h", "bulk", AD),
    _c("sync status:healthy", "bulk", AD),
    _c("pause group:{group}", "bulk", AD),
    _c("resume status:paused", "bulk", AD),
    _c("test group:{group}", "bulk", AD),
    _c("digest add daily 09:00", "digest_add", OP),
    _c("digest list", "digest_list", VW),
    _c("digest remove abc123", "digest_remove", OP),
    _c("digest now", "digest_now", VW),
    _c("watch status:failing", "watch_add", OP),
    _c("watch list", "watch_list", VW),
    _c("unwatch abc123", "watch_remove", OP),
    _c("unsnooze {healthy}", "unsnooze", OP),
    _c("access list", "access_list", VW),
    _c("access grant <@UNEW00001> operator", "access_grant", AD),
    _c("access revoke <@UNEW00001>", "access_revoke", AD),
    _c("audit", "audit", VW),
    _c("audit {healthy}", "audit", VW),
]


Value = Callable[[Gov, int], Awaitable[str]]  # the button's value on the `slot`th pair of targets


def _fixed(make: Callable[[Target, str, Gov], str]) -> Value:
    """A value made from the healthy target, the paused one and the account."""

    async def value(gov: Gov, slot: int) -> str:
        return make(gov.t.healthy[slot], gov.t.paused[slot], gov)

    return value


async def _bulk_run(gov: Gov, slot: int) -> str:
    """An admin's preview of a bulk pause: the run id its Confirm and Cancel buttons carry."""
    out = await gov.say(f"pause group:{gov.t.group_id}", ADMIN)
    button = next(b for b in buttons_of(out.last) if b["action_id"].startswith(ids.BULK_CONFIRM))
    return str(button["value"])


async def _approval(gov: Gov, slot: int) -> str:
    """A historical re-sync of the slot's target asked by ADMIN2: the request id its buttons carry."""
    approvals = gov.bot.router.deps.approvals
    assert approvals is not None
    request = await approvals.ask(
        connection_id=gov.t.healthy[slot].id,
        channel_id=CHANNEL,
        requested_by=ADMIN2,
        ttl=timedelta(hours=1),
    )
    return request.id


def _table(t: Target, paused: str, gov: Gov) -> str:
    return ids.pack(c=t.id, s=t.schema, t=t.table)


def _column(t: Target, paused: str, gov: Gov) -> str:
    """A column of the target's table that Fivetran lets be changed (not its primary key)."""
    columns = gov.sim.columns(t.id, t.schema, t.table)["columns"]
    name = next(n for n, c in columns.items() if c["enabled_patch_settings"]["allowed"])
    return ids.pack(c=t.id, s=t.schema, t=t.table, k=name)


@dataclass(frozen=True)
class ButtonCase:
    action_id: str
    value: Value
    action: str
    needed: Role | None
    sends: frozenset[str] = field(default_factory=frozenset)
    # the button carries a confirm dialog wherever it is drawn (Slack asks before it sends the press)
    confirms: bool = False

    @property
    def changes_fivetran(self) -> bool:
        return self.action in CHANGES


def _b(
    action_id: str, value: Value, action: str, needed: Role | None, *sends: str, confirms: bool = False
) -> ButtonCase:
    return ButtonCase(action_id, value, action, needed, frozenset(sends), confirms)


BUTTONS: list[ButtonCase] = [
    _b(ids.SHOW, _fixed(lambda t, p, g: t.id), "show", VW, GET_CONNECTION),
    _b(ids.SYNC, _fixed(lambda t, p, g: t.id), "sync", OP, SYNC),
    _b(ids.SCHEDULE, _fixed(lambda t, p, g: t.id), "show", VW, GET_CONNECTION),
    _b(ids.RECONNECT, _fixed(lambda t, p, g: t.id), "reconnect", OP),
    _b(ids.FORCE_SYNC, _fixed(lambda t, p, g: t.id), "force_sync", OP, SYNC),
    _b(ids.PAUSE, _fixed(lambda t, p, g: t.id), "pause", OP, PATCH_CONNECTION),
    _b(ids.RESUME, _fixed(lambda t, p, g: p), "resume", OP, PATCH_CONNECTION),
    _b(ids.TEST, _fixed(lambda t, p, g: t.id), "test", OP, TEST),
    _b(ids.SCHEMAS, _fixed(lambda t, p, g: t.id), "schemas", VW, GET_SCHEMAS),
    _b(ids.TABLES, _fixed(lambda t, p, g: ids.pack(c=t.id, s=t.schema, p=1)), "tables", VW, GET_SCHEMAS),
    _b(ids.RESYNC, _fixed(lambda t, p, g: t.id), "resync", AD, RESYNC),
    _b(ids.RESYNC_TABLE, _fixed(_table), "resync_tables", OP, RESYNC_TABLES),
    _b(ids.ENABLE_TABLE, _fixed(_table), "enable_table", OP, PATCH_TABLE),
    _b(ids.DISABLE_TABLE, _fixed(_table), "disable_table", OP, PATCH_TABLE),
    _b(ids.RELOAD_SCHEMAS, _fixed(lambda t, p, g: t.id), "reload_schemas", OP, RELOAD),
    _b(
        ids.COLUMNS,
        _fixed(lambda t, p, g: ids.pack(c=t.id, s=t.schema, t=t.table, p=1)),
        "columns",
        VW,
        GET_COLUMNS,
    ),
    # A column change reads the column first (Fivetran wants its `enabled` with every change) and shows
    # the list again after; switching a column off, or hashing it or not, changes what reaches the
    # destination, so those ask first.
    _b(ids.ENABLE_COLUMN, _fixed(_column), "enable_column", OP, PATCH_COLUMN, GET_COLUMNS),
    _b(ids.DISABLE_COLUMN, _fixed(_column), "disable_column", OP, PATCH_COLUMN, GET_COLUMNS, confirms=True),
    _b(ids.HASH_COLUMN, _fixed(_column), "hash_column", OP, PATCH_COLUMN, GET_COLUMNS, confirms=True),
    _b(ids.UNHASH_COLUMN, _fixed(_column), "unhash_column", OP, PATCH_COLUMN, GET_COLUMNS, confirms=True),
    _b(ids.LIST_PAGE, _fixed(lambda t, p, g: ids.pack(q="", p=2)), "list", VW),
    # The overflow menu of a list row: the option's value names the action it stands for.
    _b(ids.ROW_MENU, _fixed(lambda t, p, g: ids.menu_value(ids.RESUME, p)), "resume", OP, PATCH_CONNECTION),
    _b(ids.GROUP, _fixed(lambda t, p, g: g.t.group_id), "group", VW),
    _b(ids.CONFIRM, _fixed(lambda t, p, g: ids.pack(cmd=f"pause {t.id}")), "pause", OP, PATCH_CONNECTION),
    _b(ids.CANCEL, _fixed(lambda t, p, g: "cancel"), "cancel", None),
    _b(ids.BULK_CONFIRM, _bulk_run, "bulk", AD, PATCH_CONNECTION),
    _b(ids.BULK_CANCEL, _bulk_run, "bulk", AD),
    _b(ids.APPROVE, _approval, "resync", AD, RESYNC),
    _b(ids.REJECT, _approval, "resync", AD),
    _b(ids.ACKNOWLEDGE, _fixed(lambda t, p, g: t.id), "acknowledge", OP),
    _b(ids.SNOOZE, _fixed(lambda t, p, g: f"1h|{t.id}"), "snooze", OP),
]
