"""The status message of a followed HVR hub operation, updated in place until it ends (DESIGN section 8):
a refresh or a compare (its event), and a sync (the channel's jobs). A compare's end shows its result per
table. The thread reply to the requester follows the same rule as a sync's (`actions.follow_notice`)."""

from __future__ import annotations

from bot.blocks import ids
from bot.blocks.kit import Block, actions, button, context, fallback, section
from bot.blocks.message import Message
from bot.blocks.text import clip, count, duration, mention
from bot.services.pipelines.operations import TableOutcome
from bot.services.pipelines.sync_follower import FollowUpdate, Phase
from bot.storage.follows import FollowedSync, FollowKind

NAME_MAX = 200
NOTE_MAX = 1500
TABLES_SHOWN = 40  # a compare of hundreds of tables lists the first ones and says how many more
TABLES_NAMED = 10

# What each kind is called in a sentence, and while it runs.
_WHAT = {FollowKind.REFRESH: "Refresh", FollowKind.COMPARE: "Compare", FollowKind.JOBS: "Sync"}
_RUNNING = {FollowKind.REFRESH: "Refreshing", FollowKind.COMPARE: "Comparing", FollowKind.JOBS: "Starting"}
_SAME = frozenset({"identical", "equal", "same", "in_sync"})


def _scope(tables: list[str] | None) -> str:
    if not tables:
        return "all tables"
    named = ", ".join(f"`{clip(t, 100)}`" for t in tables[:TABLES_NAMED])
    more = len(tables) - TABLES_NAMED
    return named + (f" and {more} more" if more > 0 else "")


def _differs(outcome: TableOutcome) -> bool:
    return outcome.result.lower() not in _SAME


def compare_result_text(tables: tuple[TableOutcome, ...]) -> str:
    """Per table, the hub's verdict; a table that differs is marked so it is seen first."""
    if not tables:
        return "The hub gave no per-table result."
    lines = [
        f"{':warning:' if _differs(t) else ':white_check_mark:'} `{clip(t.table, 100)}` {clip(t.result, 100)}"
        for t in tables[:TABLES_SHOWN]
    ]
    if len(tables) > TABLES_SHOWN:
        lines.append(f"…and {count(len(tables) - TABLES_SHOWN, 'more table')}.")
    return "*Per table*\n" + "\n".join(lines)


def _ended(kind: FollowKind, update: FollowUpdate, name: str) -> str:
    what = _WHAT[kind]
    took = duration(update.elapsed)
    note = clip(update.note, NOTE_MAX)
    if update.phase is Phase.SUCCEEDED:
        if kind is FollowKind.JOBS:
            jobs = count(len(update.jobs), "job")
            return f":white_check_mark: Sync of {name}: its {jobs} running after {took}."
        if kind is FollowKind.COMPARE and update.operation is not None:
            differ = sum(_differs(t) for t in update.operation.tables)
            compared = count(len(update.operation.tables), "table")
            found = (
                f"{differ} of {compared} {'differs' if differ == 1 else 'differ'}"
                if differ
                else "no differences"
            )
            return f":white_check_mark: Compare of {name} done in {took}: {found}."
        return f":white_check_mark: {what} of {name} done in {took}."
    if update.phase is Phase.FAILED:
        return f":x: {what} of {name} failed after {took}" + (f": {note}" if note else ".")
    if update.phase is Phase.CANCELED:
        return f":heavy_multiplication_x: {what} of {name} was canceled on the hub after {took}."
    if update.phase is Phase.PAUSED:
        return f":double_vertical_bar: {what} of {name} stopped: {note or 'the jobs are suspended.'}"
    if update.phase is Phase.GAVE_UP:
        return f":hourglass_flowing_sand: Stopped following the {what.lower()} of {name} after {took}. {note}"
    return f":grey_question: Lost track of the {what.lower()} of {name}." + (f" {note}" if note else "")


def _text(kind: FollowKind, update: FollowUpdate | None, record: FollowedSync) -> str:
    name = f"*{clip(record.connection_name, NAME_MAX)}*"
    if update is None or update.phase is Phase.REQUESTED:
        if kind is FollowKind.JOBS:
            return (
                f":arrows_counterclockwise: Sync of {name} requested by {mention(record.user_id)}: "
                "starting its jobs, retrying failed ones…"
            )
        return (
            f":arrows_counterclockwise: {_WHAT[kind]} of {name} ({_scope(record.tables)}) requested by "
            f"{mention(record.user_id)}…"
        )
    if update.phase is Phase.SYNCING:
        return f":arrows_counterclockwise: {_RUNNING[kind]} {name}… (running on the hub)"
    return _ended(kind, update, name)


def render_operation(update: FollowUpdate | None, record: FollowedSync) -> Message:
    """The one status message of a followed hub operation; each update replaces the previous one."""
    kind = FollowKind(record.kind)
    text = _text(kind, update, record)
    blocks: list[Block] = [section(text)]
    if update is not None and update.phase.final:
        if kind is FollowKind.COMPARE and update.operation is not None and update.phase is Phase.SUCCEEDED:
            blocks.append(section(compare_result_text(update.operation.tables)))
        # a sync whose jobs failed again: one press starts them again
        again = (
            button("Sync again", ids.aid(ids.SYNC), record.connection_id, style="primary")
            if kind is FollowKind.JOBS and update.phase is Phase.FAILED
            else None
        )
        blocks += actions([button("Show", ids.aid(ids.SHOW), record.connection_id), again])
    if update is not None and update.phase is not Phase.REQUESTED:
        event = f" · event `{clip(record.event_id, 64)}`" if record.event_id else ""
        blocks.append(context(f"Requested by {mention(record.user_id)}{event}"))
    return Message(text=fallback(text), blocks=blocks)


def operation_notice_text(update: FollowUpdate, record: FollowedSync, *, failed: bool) -> str:
    """The thread reply's words for a hub operation (the rule of when to send one is the sync's)."""
    what = _WHAT[FollowKind(record.kind)].lower()
    name = f"*{clip(record.connection_name, NAME_MAX)}*"
    took = duration(update.elapsed)
    who = mention(record.user_id)
    if failed:
        return f":warning: {who} the {what} of {name} you asked for did not succeed ({clip(update.phase.value, 20)}, after {took})."
    if update.phase is Phase.SUCCEEDED:
        return f":white_check_mark: {who} the {what} of {name} you asked for is done, after {took}."
    return f"{who} the {what} of {name} you asked for ended: {clip(update.phase.value, 20)} after {took}."
