"""What an action did, and the status message of a followed sync, updated in place until it ends."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import ids
from bot.blocks.kit import Block, actions, button, context, fallback, section
from bot.blocks.message import Message
from bot.blocks.operations import operation_notice_text, render_operation
from bot.blocks.show import setup_tests_text
from bot.blocks.text import clip, duration, mention, moment, until
from bot.services.pipelines.actions import ActionResult
from bot.services.pipelines.sync_follower import FollowUpdate, Phase
from bot.storage.follows import FollowedSync, FollowKind

NAME_MAX = 200
DETAIL_MAX = 1000
NOTE_MAX = 1500

# Past tense for a done action ("<@U1> paused *x*"), and the infinitive for a refused one.
DONE = {
    "schedule": "changed the schedule of",
    "sync": "started a sync of",
    "force_sync": "forced a sync of",
    "pause": "paused",
    "resume": "resumed",
    "test": "ran setup tests on",
    "resync": "started a re-sync of",
    "resync_tables": "started a table re-sync of",
    "compare": "started a compare of",
    "table": "changed a table of",
    "enable_table": "enabled a table of",
    "disable_table": "disabled a table of",
    "reload_schemas": "reloaded the schema config of",
    "enable_column": "enabled a column of",
    "disable_column": "disabled a column of",
    "hash_column": "hashed a column of",
    "unhash_column": "stopped hashing a column of",
}
TRIED = {
    "schedule": "change the schedule of",
    "reconnect": "create a Connect Card for",
    "sync": "sync",
    "force_sync": "force a sync of",
    "pause": "pause",
    "resume": "resume",
    "test": "run setup tests on",
    "resync": "re-sync",
    "resync_tables": "re-sync tables of",
    "compare": "compare",
    "table": "change a table of",
    "enable_table": "enable a table of",
    "disable_table": "disable a table of",
    "reload_schemas": "reload the schema config of",
    "enable_column": "enable a column of",
    "disable_column": "disable a column of",
    "hash_column": "hash a column of",
    "unhash_column": "stop hashing a column of",
}


def _name(connection_name: str) -> str:
    return f"*{clip(connection_name, NAME_MAX)}*"


def render_action_result(result: ActionResult, *, actor: str, connection_name: str, now: datetime) -> Message:
    name = _name(connection_name)
    summary = clip(result.summary, DETAIL_MAX)
    if result.ok:
        verb = DONE.get(result.action, f"did {clip(result.action, 40)} on")
        text = f":white_check_mark: {mention(actor)} {verb} {name}: {summary}"
    else:
        verb = TRIED.get(result.action, clip(result.action, 40))
        said = ""
        if result.detail and result.detail != result.summary:
            said = f" ({clip(result.said_by, NAME_MAX)}: {clip(result.detail, DETAIL_MAX)})"
        text = f":warning: Could not {verb} {name}: {summary}{said}"
    blocks: list[Block] = [section(text)]
    if result.action == "test" and (result.setup_tests or result.ok):
        blocks.append(section(setup_tests_text(result.setup_tests)))
    blocks += actions([button("Show", ids.aid(ids.SHOW), result.connection_id)])
    blocks.append(context(f"`{clip(result.connection_id, 100)}` · {moment(now)}"))
    return Message(text=fallback(text), blocks=blocks)


def _again(restarts: int) -> str:
    if not restarts:
        return ""
    return " after I started it again" + (f" ({restarts} times)" if restarts > 1 else "")


def _rescheduled_text(update: FollowUpdate, name: str, what: str, cid: str) -> str:
    """A sync Fivetran postponed for the source's API quota: who starts it again, and when."""
    # A date token (each reader's own zone) with how far off it is, as the message is edited in place.
    at = update.resume_at
    when = (
        None if at is None else moment(at) + (f" ({until(at, update.at)})" if update.at is not None else "")
    )
    paused = f"Fivetran paused this {what.lower()} of {name} " + (
        f"until {moment(at)} (source quota)" if at is not None else "(source quota) without saying until when"
    )
    if not update.manual:
        resumes = f"Fivetran resumes it at {when}." if when else "Fivetran resumes it when the quota allows."
        return f":hourglass: {what} of {name} was rescheduled: the source's API quota is used up. {resumes}"
    by_hand = f"`/hvr sync {clip(cid, 100)}`" + (f" after {when}" if when else " once the source allows")
    if update.phase is Phase.WAITING:
        return f":hourglass: {paused}; this connector is on a manual schedule, so I'll start it again then."
    if update.phase is Phase.RESTARTED:
        paused_until = f" until {moment(at)}" if at is not None else ""
        return (
            f":arrows_counterclockwise: I started the {what.lower()} of {name} again: Fivetran had "
            f"paused it{paused_until} (source quota)…"
        )
    if update.note:
        note = clip(update.note, NOTE_MAX)
        return f":hourglass: {paused}. I tried to start it again then, but could not: {note} {by_hand} starts it."
    if update.restarts:
        times = "once" if update.restarts == 1 else f"{update.restarts} times"
        return (
            f":hourglass: {paused}, again. I started it again {times} already, so I'm leaving it: "
            f"this connector is on a manual schedule, so nothing starts it by itself; {by_hand} does."
        )
    return (
        f":hourglass: {paused}. This connector is on a manual schedule, so nothing starts it again by "
        f"itself: {by_hand} does."
    )


def _follow_text(update: FollowUpdate | None, name: str, what: str, actor: str, cid: str) -> str:
    if update is None or update.phase is Phase.REQUESTED:
        return f":arrows_counterclockwise: {what} of {name} requested by {actor}…"
    took = duration(update.elapsed)
    note = clip(update.note, NOTE_MAX)
    phase = update.phase
    again = _again(update.restarts)
    if phase in (Phase.RESCHEDULED, Phase.WAITING, Phase.RESTARTED):
        return _rescheduled_text(update, name, what, cid)
    if phase is Phase.SYNCING:
        if update.restarts:
            return f":arrows_counterclockwise: Syncing {name}… (started again after the source quota pause)"
        return f":arrows_counterclockwise: Syncing {name}… (started {took} after the request)"
    if phase is Phase.SUCCEEDED:
        return f":white_check_mark: {what} of {name} succeeded in {took}{again}"
    if phase is Phase.FAILED:
        return f":x: {what} of {name} failed after {took}{again}" + (f": {note}" if note else ".")
    if phase is Phase.PAUSED:
        return f":double_vertical_bar: {what} of {name} stopped: the connector was paused."
    if phase is Phase.BROKEN:
        return f":red_circle: {what} of {name} stopped: the connector is broken." + (
            f" {note}" if note else ""
        )
    if phase is Phase.GAVE_UP:
        return f":hourglass_flowing_sand: Stopped following the {what.lower()} of {name} after {took}. {note}"
    return f":grey_question: Lost track of the {what.lower()} of {name}." + (f" {note}" if note else "")


def render_follow(
    update: FollowUpdate | None,
    *,
    actor: str,
    connection_name: str,
    connection_id: str,
    force: bool = False,
) -> Message:
    """The one status message of a followed sync; each update replaces the previous one in place."""
    what = "Force sync" if force else "Sync"
    text = _follow_text(update, _name(connection_name), what, mention(actor), connection_id)
    blocks: list[Block] = [section(text)]
    if update is not None and update.phase is not Phase.REQUESTED:
        blocks.append(context(f"Requested by {mention(actor)}"))
    if update is not None and update.phase.final:
        # a failure, or a manual connector's sync that nothing will start again: one press starts it
        again = (
            button("Sync again", ids.aid(ids.SYNC), connection_id, style="primary")
            if update.phase is Phase.FAILED or (update.phase is Phase.RESCHEDULED and update.manual)
            else None
        )
        blocks += actions([button("Show", ids.aid(ids.SHOW), connection_id), again])
    return Message(text=fallback(text), blocks=blocks)


def render_followed(update: FollowUpdate | None, record: FollowedSync) -> Message:
    """`render_follow` of a follow on record: what the follow keeper renders each update with (a hub's
    refresh, compare or jobs: `operations.render_operation`)."""
    if record.kind != FollowKind.SYNC:
        return render_operation(update, record)
    return render_follow(
        update,
        actor=record.user_id,
        connection_name=record.connection_name,
        connection_id=record.connection_id,
        force=record.force,
    )


# A followed sync that ends after this long has outlived the person's attention: they are told in the
# message's thread, with a mention, so Slack notifies them. A failure is told however quick it was.
NOTIFY_AFTER_S = 60.0
_FAILED = frozenset({Phase.FAILED, Phase.BROKEN, Phase.GAVE_UP, Phase.LOST, Phase.CANCELED})


def follow_notice(update: FollowUpdate | None, record: FollowedSync) -> Message | None:
    """The thread reply that pings the requester when a followed sync ends; None when it needs none."""
    if update is None or not update.phase.final:
        return None
    failed = update.phase in _FAILED
    if not failed and update.elapsed <= NOTIFY_AFTER_S:
        return None
    if record.kind != FollowKind.SYNC:
        text = operation_notice_text(update, record, failed=failed)
        return Message(text=fallback(text), blocks=[section(text)])
    name = _name(record.connection_name)
    took = duration(update.elapsed)
    if failed:
        text = f":warning: {mention(record.user_id)} the sync of {name} you asked for did not succeed ({clip(update.phase.value, 20)}, after {took})."
    elif update.phase == Phase.SUCCEEDED:
        text = f":white_check_mark: {mention(record.user_id)} the sync of {name} you asked for succeeded after {took}."
    else:
        text = f"{mention(record.user_id)} the sync of {name} you asked for ended: {clip(update.phase.value, 20)} after {took}."
    return Message(text=fallback(text), blocks=[section(text)])
