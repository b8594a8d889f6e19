"""The Home tab: fleet health at a glance, the current problems, the viewer's role, the channel
subscriptions they made and what they did lately.

Slack refuses a Home view of more than 100 blocks outright (the person then sees a stale or empty tab),
so every list here has a fixed cap and a line that says how many more there are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.health import EMOJI, channel_state
from bot.blocks.sources import kinds, source_blocks
from bot.blocks.text import ago, clip, count, cut, esc, moment, plain
from bot.services.pipelines.health import Health
from bot.services.pipelines.hub_health import is_hub_channel
from bot.services.pipelines.kinds import FIVETRAN_ONLY, SourceKinds
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.storage.audit import AuditEntry
from bot.storage.subscriptions import Subscription

MAX_PROBLEMS = 30  # one section a problem keeps the tab well under Slack's 100 blocks
MAX_SUBSCRIPTIONS = 15
MAX_RECENT = 10
SECTION_TEXT_MAX = 2900  # under Slack's 3,000, with room for the "and N more" line


OUTCOME = {
    "started": ":hourglass_flowing_sand:",
    "succeeded": ":white_check_mark:",
    "failed": ":x:",
    "refused": ":no_entry:",
}

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")

Block = dict[str, Any]


@dataclass(frozen=True)
class TakenIncident:
    """An open failure alert the viewer acknowledged."""

    name: str
    connection_id: str
    channel_id: str
    opened_at: datetime
    acked_at: datetime | None


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_TEXT_MAX)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, SECTION_TEXT_MAX)}]}


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, 150)}}


def _channel(channel_id: str) -> str:
    # A channel id becomes a link Slack renders with the channel's name; anything else stays plain text.
    return f"<#{channel_id}>" if _CHANNEL_ID.match(channel_id) else clip(channel_id, 40)


def _lines(lines: Sequence[str], total: int, more_hint: str) -> str:
    """As many whole lines as fit in one section, and how many were left out."""
    shown: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > SECTION_TEXT_MAX - 80:
            break
        shown.append(line)
        size += len(line) + 1
    left = total - len(shown)
    if left > 0:
        shown.append(f"_and {left} more: {more_hint}_")
    return "\n".join(shown)


def _subscription_line(sub: Subscription) -> str:
    where = _channel(sub.channel_id)
    selector = f"`{clip(sub.selector, 120)}`" if sub.selector else "every connector"
    if sub.kind == "digest":
        schedule = clip(sub.schedule or "", 80)
        return f":calendar: digest `{clip(sub.id, 20)}` in {where} · {schedule} ({clip(sub.timezone, 40)}) · {selector}"
    events = sub.options.get("events") or []
    shown = ", ".join(clip(e, 30) for e in events[:8]) if isinstance(events, list) else ""
    return f":bell: watch `{clip(sub.id, 20)}` in {where} · {selector}" + (f" · {shown}" if shown else "")


def _recent_line(entry: AuditEntry, snapshot: AccountSnapshot | None, now: datetime) -> str:
    names = []
    for connector in entry.connectors[:3]:
        connection = snapshot.connections.get(connector) if snapshot is not None else None
        names.append(f"`{clip(connection.name if connection else connector, 60)}`")
    targets = ", ".join(names)
    if len(entry.connectors) > 3:
        targets += f" and {len(entry.connectors) - 3} more"
    icon = OUTCOME.get(entry.status, "")
    text = f"{icon} *{clip(entry.action.replace('_', ' '), 40)}* {clip(entry.status, 20)}"
    if targets:
        text += f" on {targets}"
    text += f" · {ago(entry.at, now)}"
    if entry.status in ("failed", "refused") and entry.message:
        text += f"\n      _{clip(entry.message, 160)}_"
    return text


def _fleet(
    snapshot: AccountSnapshot, now: datetime, by_source: dict[str, dict[Health, int]] | None
) -> list[Block]:
    counts = snapshot.counts()
    total = len(snapshot.connections)
    summary = " · ".join(f"{EMOJI[h]} {n} {h.value}" for h, n in counts.items() if n)
    blocks = [
        _section(
            f"*{count(total, 'connector')}* in {count(len(snapshot.groups), 'group')}\n{summary or 'none'}"
        )
    ]
    blocks += source_blocks(snapshot, list(snapshot.connections.values()), by_source=by_source)
    problems = sorted(
        (c for c in snapshot.connections.values() if snapshot.health[c.id].is_problem),
        key=lambda c: (snapshot.health[c.id].rank, c.name.lower()),
    )
    blocks.append({"type": "divider"})
    if not problems:
        blocks.append(_section(":white_check_mark: No problems right now."))
    for i, connection in enumerate(problems[:MAX_PROBLEMS]):
        health = snapshot.health[connection.id]
        state = (
            channel_state(health)
            if is_hub_channel(connection)
            else f"{health.value}, last success {ago(connection.succeeded_at, now)}"
        )
        line = (
            f"{EMOJI[health]} *{esc(connection.name)}* · {esc(connection.service)} · {esc(snapshot.place(connection))}\n"
            f"{state}"
        )
        block = _section(line)
        block["accessory"] = {
            "type": "button",
            "text": {"type": "plain_text", "text": plain("Show", 75)},
            "action_id": ids.aid(ids.SHOW, f"home{i}"),
            "value": connection.id,
        }
        blocks.append(block)
    if len(problems) > MAX_PROBLEMS:
        blocks.append(_context(f"and {len(problems) - MAX_PROBLEMS} more: `/hvr list` shows them all"))
    return blocks


def _incidents(taken: Sequence[TakenIncident], now: datetime) -> list[Block]:
    blocks: list[Block] = [{"type": "divider"}, _header("Incidents you acknowledged")]
    if not taken:
        return [
            *blocks,
            _context("None open: what you acknowledge on an alert is listed here until it recovers."),
        ]
    lines = [
        f":raising_hand: *{clip(t.name, 80)}* in {_channel(t.channel_id)} · failing {ago(t.opened_at, now).removesuffix(' ago')}"
        + (f" · acknowledged {moment(t.acked_at)}" if t.acked_at is not None else "")
        for t in taken[:MAX_SUBSCRIPTIONS]
    ]
    blocks.append(_section(_lines(lines, len(taken), "the alerts in their channels")))
    return blocks


def _mine(
    subscriptions: Sequence[Subscription] | None,
    recent: Sequence[AuditEntry] | None,
    snapshot: AccountSnapshot | None,
    now: datetime,
) -> list[Block]:
    blocks: list[Block] = []
    if subscriptions is not None:
        blocks += [{"type": "divider"}, _header("Your subscriptions")]
        if subscriptions:
            lines = [_subscription_line(s) for s in subscriptions[:MAX_SUBSCRIPTIONS]]
            hint = "`/hvr digest list` and `/hvr watch list` in each channel"
            blocks.append(_section(_lines(lines, len(subscriptions), hint)))
        else:
            blocks.append(
                _context(
                    "You have set up no digests or watches. In a channel: `/hvr digest add daily 09:00` "
                    "or `/hvr watch status:failing`."
                )
            )
    if recent is not None:
        blocks += [{"type": "divider"}, _header("Your recent actions")]
        if recent:
            lines = [_recent_line(e, snapshot, now) for e in recent[:MAX_RECENT]]
            blocks.append(_section(_lines(lines, min(len(recent), MAX_RECENT), "`/hvr audit @you`")))
        else:
            blocks.append(_context("Nothing yet: what you change through the bot is listed here."))
    return blocks


def _kinds(snapshot: AccountSnapshot | None, configured: SourceKinds) -> str:
    connections = snapshot.connections.values() if snapshot is not None else ()
    return kinds(sum(is_hub_channel(c) for c in connections), len(connections), configured)


def render_home(
    snapshot: AccountSnapshot | None,
    *,
    role: str,
    now: datetime,
    problem: str | None = None,
    subscriptions: Sequence[Subscription] | None = None,
    recent: Sequence[AuditEntry] | None = None,
    acknowledged: Sequence[TakenIncident] | None = None,
    configured: SourceKinds = FIVETRAN_ONLY,
    by_source: dict[str, dict[Health, int]] | None = None,
) -> dict[str, Any]:
    """`subscriptions` and `recent` are this person's; None leaves their section out (no database).
    `configured` titles a tab with no pipelines to go by (nothing read yet, or none there); `by_source`:
    each source's counts when the caller has them (`selectors.source_counts`), else counted here."""
    blocks: list[Block] = [
        _header(f"{_kinds(snapshot, configured)} at a glance"),
        _context(f"Your role: *{esc(role)}* · `/hvr help` lists what you can do"),
    ]
    if snapshot is None:
        blocks.append(_section(f":warning: {esc(problem or 'No data yet.')}"))
    else:
        if problem:
            blocks.append(_section(f":warning: {esc(problem)} Showing what I saw last."))
        blocks += _fleet(snapshot, now, by_source)
    if acknowledged is not None:
        blocks += _incidents(acknowledged, now)
    blocks += _mine(subscriptions, recent, snapshot, now)
    if snapshot is not None:
        blocks.append(_context(f"As of {ago(snapshot.fetched_at, now)}; reopen the tab to refresh."))
    return {"type": "home", "blocks": blocks}
