"""Roles, bulk operations and approvals, as messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.blocks import ids
from bot.blocks.kit import Block, actions, button, confirm, context, fallback, header, section
from bot.blocks.message import Message
from bot.blocks.text import clip, count, esc, mention
from bot.services.pipelines.schedule import SchedulePatch

MAX_LISTED = 25


def _subject(subject: str) -> str:
    return mention(subject) if subject.startswith(("U", "W")) else f"user group `{clip(subject, 30)}`"


def _source(source: str) -> str:
    """Where a role comes from: a setting (`HVR_ADMINS`), or the id of the admin who granted it."""
    return f"`{clip(source, 40)}`" if source.startswith("HVR_") else f"granted by {mention(source)}"


def render_access_list(roles: Sequence[tuple[str, str, str]], *, viewer_role: str) -> Message:
    """`roles` holds (subject, role, where it comes from: "HVR_ADMINS", "HVR_OPERATORS" or the granter's id)."""
    if not roles:
        text = (
            "Nobody has a role yet, so everyone is a viewer. Set HVR_ADMINS / HVR_OPERATORS, then admins can "
            "`/hvr access grant @someone operator`."
        )
        return Message(text=fallback(text), blocks=[section(text)])
    lines = [f"{_subject(s)} · *{clip(r, 20)}* · {_source(source)}" for s, r, source in roles[:MAX_LISTED]]
    blocks: list[Block] = [header("Who can do what"), section("\n".join(lines))]
    if len(roles) > MAX_LISTED:
        blocks.append(context(f"and {len(roles) - MAX_LISTED} more"))
    blocks.append(
        context(
            f"Everyone else is a viewer. Your role: *{clip(viewer_role, 20)}*. Operators sync, pause, resume, "
            "test and re-sync tables; admins also re-sync everything, run bulk operations and grant roles."
        )
    )
    return Message(
        text=fallback(f"{count(len(roles), 'person or group', 'people and groups')} with roles"),
        blocks=blocks,
    )


def render_access_changed(subject: str, role: str | None, *, by: str) -> Message:
    if role is None:
        text = f":white_check_mark: {mention(by)} revoked the granted role of {_subject(subject)}."
    else:
        text = f":white_check_mark: {mention(by)} granted {_subject(subject)} the *{clip(role, 20)}* role."
    return Message(text=fallback(text), blocks=[section(text)])


@dataclass(frozen=True)
class BulkLine:
    name: str
    status: str  # pending | in_progress | done | skipped | failed | cancelled
    reason: str = ""


_VERB = {"sync": "Sync", "pause": "Pause", "resume": "Resume", "test": "Test"}
# What a run is called in its progress and report ("Pause of 3 connectors by <@U…> finished").
_RUN = {**_VERB, "schedule": "Schedule change"}
# A report's word for a status where it is not the status itself. Started and never answered (the bot
# died waiting): Fivetran may well have applied it, so it is unknown. `untested`: a test that never ran.
_COUNTED = {"in_progress": "unknown", "untested": "could not be tested"}


def bulk_run_name(action: str) -> str:
    return _RUN.get(action, esc(action).capitalize())


def _names(lines: Sequence[BulkLine], limit: int = 40) -> str:
    shown = ", ".join(f"`{clip(line.name, 60)}`" for line in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


@dataclass(frozen=True)
class _Wording:
    """How a preview asks: its header and dialog title, the button, the dialog's yes, what it changes."""

    ask: str
    button: str
    yes: str
    changes: str


def _matching(described: str) -> str:
    return "" if described == "all connectors" else f" matching `{clip(described, 200)}`"


def _wording(action: str, n: int, schedule: SchedulePatch | None, *, paced: bool = False) -> _Wording:
    connectors = count(n, "connector")
    if schedule is not None:
        return _Wording(
            ask=f"Change the schedule of {connectors}?",
            button=f"Change {count(n, 'schedule')}",
            yes="Change",
            changes=f"From now on {'it syncs' if n == 1 else 'they sync'} {esc(schedule.said)}.",
        )
    verb = _VERB.get(action, action.capitalize())
    changes = f"This changes {connectors}."  # Fivetran connectors, hub channels or both
    if action == "test":
        pace = " They are paced under Fivetran's limit (250 a minute on paid plans), so this takes a while."
        pace = pace if paced else ""
        changes = f"This runs the setup tests of {connectors} and changes nothing.{pace}"
    return _Wording(ask=f"{verb} {connectors}?", button=f"{verb} {n}", yes=verb, changes=changes)


def render_bulk_preview(
    action: str,
    described: str,
    targets: Sequence[BulkLine],
    skipped: Sequence[BulkLine],
    *,
    run_id: str,
    per_source: Mapping[str, int] | None = None,
    unreachable: Sequence[str] = (),
    schedule: SchedulePatch | None = None,
    paced: bool = False,
) -> Message:
    """`per_source`: how many targets each source has (given with several sources, said when it spans
    them); `unreachable`: sources that did not answer, whose connectors this run will not touch;
    `schedule`: the change of a bulk `schedule`, said in words and with its time-zone note; `paced`: a
    bulk `test` of more Fivetran connectors than setup tests may start at once, said in the dialog."""
    missing = (
        [
            context(
                f":warning: Not included, could not be reached: {', '.join(f'*{esc(n)}*' for n in unreachable)}."
            )
        ]
        if unreachable
        else []
    )
    matching = _matching(described)
    if not targets:
        what = "change" if schedule is not None else esc(action)
        text = (
            f"Nothing to {what}: no connector{matching} needs it."
            if skipped or matching
            else (f"Nothing to {what}: the account has no connectors.")
        )
        if skipped:
            text += f"\nSkipped {len(skipped)}: " + "; ".join(
                f"`{clip(s.name, 60)}` ({clip(s.reason, 80)})" for s in skipped[:10]
            )
        return Message(text=fallback(text), blocks=[section(text), *missing])
    n = len(targets)
    wording = _wording(action, n, schedule, paced=paced)
    if schedule is not None:
        these = ("The one connector" if n == 1 else f"These {count(n, 'connector')}") + matching
        lead = f"{these} will sync *{esc(schedule.said)}*: {_names(targets)}"
    else:
        lead = f"{count(n, 'connector')}{matching}: {_names(targets)}"
    blocks: list[Block] = [header(wording.ask), section(lead)]
    if schedule is not None and schedule.note:
        blocks.append(context(esc(schedule.note)))
    spread = {name: c for name, c in (per_source or {}).items() if c}
    if len(per_source or {}) > 1:
        blocks.append(context("In each source: " + " · ".join(f"*{esc(k)}* {c}" for k, c in spread.items())))
    blocks += missing
    if skipped:
        by_reason: dict[str, list[BulkLine]] = {}
        for s in skipped:
            by_reason.setdefault(s.reason, []).append(s)
        summary = "\n".join(f"• {clip(r, 80)}: {_names(lines, 15)}" for r, lines in by_reason.items())
        blocks.append(section(f"*Skipped {len(skipped)}*\n{summary}"))
    changing = action != "test"  # tests change nothing: no red button
    ask = confirm(wording.ask, wording.changes, yes=wording.yes, danger=changing)
    style = "danger" if changing else "primary"
    blocks += actions(
        [
            button(wording.button, ids.aid(ids.BULK_CONFIRM), run_id, style=style, ask=ask),
            button("Cancel", ids.aid(ids.BULK_CANCEL), run_id),
        ]
    )
    return Message(text=fallback(f"{wording.ask.removesuffix('?')}{matching}?"), blocks=blocks)


def _counts(lines: Sequence[BulkLine]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.status] = counts.get(line.status, 0) + 1
    return counts


def render_bulk_progress(action: str, lines: Sequence[BulkLine], *, run_id: str, by: str) -> Message:
    counts = _counts(lines)
    finished = len(lines) - counts.get("pending", 0) - counts.get("in_progress", 0)
    verb = bulk_run_name(action)
    if action == "test":  # a test skips nothing; what it has found so far
        so_far = f"{counts.get('done', 0)} passed, {counts.get('failed', 0)} failed"
        if counts.get("untested"):
            so_far += f", {counts['untested']} could not be tested"
    else:
        so_far = f"{counts.get('done', 0)} done, {counts.get('failed', 0)} failed, {counts.get('skipped', 0)} skipped"
    text = (
        f":arrows_counterclockwise: {verb} of {count(len(lines), 'connector')} by {mention(by)}: {finished} of {len(lines)} "
        f"handled ({so_far})…"
    )
    blocks = [section(text), *actions([button("Cancel the rest", ids.aid(ids.BULK_CANCEL), run_id)])]
    return Message(text=fallback(text), blocks=blocks)


def _report_parts(action: str, counts: Mapping[str, int]) -> list[str]:
    """The report's counts: a test's as tested, passed (`done`) and failed (they ran; some failed), zeros
    too ("0 failed" is the news); any other run's by status, the ones it has."""
    parts: list[str] = []
    keys: tuple[str, ...] = ("done", "failed", "skipped", "in_progress", "cancelled", "pending")
    if action == "test":
        passed, failed = counts.get("done", 0), counts.get("failed", 0)
        parts = [f"{passed + failed} tested", f"{passed} passed", f"{failed} failed"]
        keys = ("untested", "in_progress", "cancelled", "pending")
    return parts + [f"{counts[k]} {_COUNTED.get(k, k)}" for k in keys if counts.get(k)]


def _reasons(title: str, lines: Sequence[BulkLine]) -> Block:
    detail = "\n".join(f"• `{clip(line.name, 60)}`: {clip(line.reason, 200)}" for line in lines[:20])
    more = f"\nand {len(lines) - 20} more" if len(lines) > 20 else ""
    return section(f"*{title}*\n{detail}{more}")


def render_bulk_report(
    action: str, lines: Sequence[BulkLine], *, by: str, interrupted: bool = False
) -> Message:
    counts = _counts(lines)
    verb = bulk_run_name(action)
    bad = counts.get("failed") or counts.get("untested")
    icon = ":white_check_mark:" if not bad and not interrupted else ":warning:"
    head = f"{icon} {verb} of {count(len(lines), 'connector')} by {mention(by)}"
    head += " stopped when the bot restarted" if interrupted else " finished"
    parts = _report_parts(action, counts)
    blocks: list[Block] = [section(f"{head}: {', '.join(parts)}.")]
    for status, title in (("failed", "Failed"), ("untested", "Could not be tested")):
        group = [line for line in lines if line.status == status]
        if group:
            blocks.append(_reasons(title, group))
    for status, title in (
        ("done", "Passed" if action == "test" else "Done"),
        ("skipped", "Skipped"),
        ("in_progress", "Unknown, may have been applied (check in its source)"),
        ("cancelled", "Not started"),
        ("pending", "Not started"),
    ):
        group = [line for line in lines if line.status == status]
        if group:
            blocks.append(context(f"{title}: {_names(group, 30)}"))
    return Message(text=fallback(f"{head}: {', '.join(parts)}."), blocks=blocks)


def render_approval_request(
    connection_name: str, *, requester: str, request_id: str, expires: str
) -> Message:
    """The buttons carry only the stored request's id: who asked and for what is read back from the
    database on a press, never trusted from the button."""
    text = (
        f":raised_hand: {mention(requester)} asks to re-sync *all* data of *{clip(connection_name, 100)}*. "
        f"A second admin must approve (the request expires {expires})."
    )
    blocks = [
        section(text),
        *actions(
            [
                button("Approve", ids.aid(ids.APPROVE), request_id, style="primary"),
                button("Reject", ids.aid(ids.REJECT), request_id, style="danger"),
            ]
        ),
    ]
    return Message(text=fallback(text), blocks=blocks)


def render_approval_outcome(
    connection_name: str, *, requester: str, approver: str, approved: bool
) -> Message:
    verdict = "approved" if approved else "rejected"
    text = (
        f"{':white_check_mark:' if approved else ':no_entry:'} {mention(approver)} {verdict} the re-sync of "
        f"*{clip(connection_name, 100)}* asked by {mention(requester)}."
    )
    return Message(text=fallback(text), blocks=[section(text)])
