"""One connector in full: what a person needs to decide, and the buttons to act on it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.blocks import ids
from bot.blocks.health import EMOJI, LABEL, badge, next_step
from bot.blocks.kit import Block, actions, button, confirm, context, fallback, fields, header, section
from bot.blocks.message import Message
from bot.blocks.rows import health_of
from bot.blocks.text import ago, clip, daily_time, esc, moment, until, when
from bot.fivetran.models import Connection, Notice, SetupTest
from bot.services.pipelines.health import Health, needs_reconnect
from bot.services.pipelines.snapshot import AccountSnapshot

# A section holds 3,000 characters: ten notices of 220 fit with their codes, ten tests with their
# messages; the rest are counted, so the count is never what gets cut.
NOTICES_SHOWN = 10
NOTICE_MAX = 220
CODE_MAX = 40
TESTS_SHOWN = 10
TEST_TITLE_MAX = 80
TEST_MESSAGE_MAX = 120
NAME_IN_DIALOG = 80

TEST_MARK = {"PASSED": "✓", "SKIPPED": "–", "WARNING": "⚠", "FAILED": "✗", "JOB_FAILED": "✗"}


def schedule_text(connection: Connection, now: datetime | None = None) -> str:
    """ "every 6h", "daily at 02:00 UTC" or "manual", as a person says it; with `now`, a daily time is a
    token of its next run, on each reader's own clock."""
    if connection.schedule_type == "manual":
        return "manual"
    minutes = connection.sync_frequency
    if minutes is None:
        return "not set"
    if minutes == 1440:
        at = connection.daily_sync_time
        if not at:
            return "daily"
        return f"daily at {daily_time(at, now) if now is not None else f'{esc(at)} UTC'}"
    if minutes % 1440 == 0:
        return f"every {minutes // 1440}d"
    if minutes >= 60 and minutes % 60 == 0:
        return f"every {minutes // 60}h"
    return f"every {minutes}m"


def notices_text(title: str, notices: Sequence[Notice]) -> str:
    lines = [f"*{title}*"]
    for notice in notices[:NOTICES_SHOWN]:
        code = f"`{clip(notice.code, CODE_MAX)}` " if notice.code else ""
        lines.append(f"• {code}{clip(notice.message, NOTICE_MAX) or '(no message)'}")
    hidden = len(notices) - NOTICES_SHOWN
    if hidden > 0:
        lines.append(f"_and {hidden} more in Fivetran_")
    return "\n".join(lines)


def setup_tests_text(tests: Sequence[SetupTest]) -> str:
    lines = ["*Setup tests*"] if tests else ["*Setup tests*: none ran."]
    for test in tests[:TESTS_SHOWN]:
        mark = TEST_MARK.get(test.status, "?")
        message = f": {clip(test.message, TEST_MESSAGE_MAX)}" if test.message else ""
        lines.append(f"{mark} *{clip(test.title, TEST_TITLE_MAX)}* ({clip(test.status, 20)}){message}")
    hidden = len(tests) - TESTS_SHOWN
    if hidden > 0:
        lines.append(f"_and {hidden} more_")
    return "\n".join(lines)


def _state_fields(
    snapshot: AccountSnapshot, connection: Connection, health: Health, now: datetime
) -> list[str]:
    status = connection.status
    state = " · ".join(clip(s, 40) for s in (status.setup_state, status.sync_state, status.update_state))
    items = [
        f"*Service*\n{clip(connection.service, 100)}",
        f"*Group*\n{clip(snapshot.place(connection), 200)}",
        f"*Health*\n{badge(health)}",
        f"*Setup · sync · update*\n{state}",
        f"*Schedule*\n{schedule_text(connection, now)}",
        f"*Paused*\n{'yes' if connection.paused else 'no'}",
        f"*Last success*\n{when(connection.succeeded_at, now)}",
        f"*Last failure*\n{when(connection.failed_at, now)}",
        f"*Historical sync*\n{'running' if status.is_historical_sync else 'no'}",
    ]
    if status.rescheduled_for is not None:
        at = status.rescheduled_for
        items.append(f"*Rescheduled until*\n{moment(at)} ({until(at, now)})")
    return items


def action_buttons(connection: Connection, health: Health) -> list[Block]:
    cid = connection.id
    name = clip(connection.name, NAME_IN_DIALOG)
    if connection.paused:
        pause = button("Resume", ids.aid(ids.RESUME), cid)
    else:
        # pausing a connector that works stops good data; ask first. One that is failing anyway, don't.
        ask = (
            confirm(
                "Pause connector?", f"No syncs of *{name}* will run until someone resumes it.", yes="Pause"
            )
            if health.pause_needs_confirm
            else None
        )
        pause = button("Pause", ids.aid(ids.PAUSE), cid, ask=ask)
    # where credentials or the setup are what broke it, the fix is a Connect Card, first in the row
    reconnect = (
        [button("Reconnect", ids.aid(ids.RECONNECT), cid, style="primary")]
        if needs_reconnect(connection)
        else []
    )
    return actions(
        [
            *reconnect,
            button("Sync", ids.aid(ids.SYNC), cid, style=None if reconnect else "primary"),
            button(
                "Force sync",
                ids.aid(ids.FORCE_SYNC),
                cid,
                ask=confirm(
                    "Force a sync?",
                    f"If a sync of *{name}* is running, Fivetran stops it and starts a new one.",
                    yes="Force sync",
                ),
            ),
            pause,
            button("Run tests", ids.aid(ids.TEST), cid),
            button("Schemas", ids.aid(ids.SCHEMAS), cid),
            button("Schedule", ids.aid(ids.SCHEDULE), cid),
            button(
                "Re-sync",
                ids.aid(ids.RESYNC),
                cid,
                style="danger",
                ask=confirm(
                    "Historical re-sync?",
                    f"A historical re-sync of *{name}* re-reads all data from the source. It can take hours "
                    "and can cost money: Fivetran bills the rows it reads again.",
                    yes="Re-sync everything",
                    danger=True,
                ),
            ),
        ]
    )


def render_show(
    snapshot: AccountSnapshot,
    connection: Connection,
    *,
    now: datetime,
    notice: str | None = None,
    setup_tests: list[SetupTest] | None = None,
) -> Message:
    """`notice` is plain words (escaped here), e.g. the result of the action that led to this view."""
    health = health_of(snapshot, connection)
    status = connection.status
    blocks: list[Block] = []
    if notice:
        blocks.append(section(esc(notice)))
    blocks.append(header(f"{connection.name}"))
    blocks.append(fields(_state_fields(snapshot, connection, health, now)))
    blocks.append(section(f"{EMOJI[health]} *Next step:* {next_step(connection, health, now=now)}"))
    if status.tasks:
        blocks.append(section(notices_text(f"Tasks ({len(status.tasks)})", status.tasks)))
    if status.warnings:
        blocks.append(section(notices_text(f"Warnings ({len(status.warnings)})", status.warnings)))
    if setup_tests is not None:
        blocks.append(section(setup_tests_text(setup_tests)))
    blocks += action_buttons(connection, health)
    blocks.append(context(f"`{clip(connection.id, 100)}` · as of {ago(snapshot.fetched_at, now)}"))
    text = f"{esc(connection.name)}: {LABEL[health]}"
    return Message(text=fallback(f"{esc(notice)}\n{text}" if notice else text), blocks=blocks)
