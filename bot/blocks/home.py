"""The Home tab: fleet health at a glance, the current problems, and the viewer's role."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.text import ago, cut, esc, plain
from bot.services.health import Health
from bot.services.snapshot import AccountSnapshot

MAX_PROBLEMS = 30  # 3 blocks a problem at most keeps the tab well under Slack's 100 blocks

EMOJI = {
    Health.BROKEN: ":red_circle:",
    Health.INCOMPLETE: ":construction:",
    Health.FAILING: ":x:",
    Health.PAUSED: ":double_vertical_bar:",
    Health.RESCHEDULED: ":hourglass:",
    Health.DELAYED: ":snail:",
    Health.SYNCING: ":arrows_counterclockwise:",
    Health.HEALTHY: ":large_green_circle:",
}


def render_home(
    snapshot: AccountSnapshot | None, *, role: str, now: datetime, problem: str | None = None
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Fivetran at a glance"}},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"Your role: *{esc(role)}* · `/hvr help` lists what you can do"}
            ],
        },
    ]
    if snapshot is None:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f":warning: {esc(problem or 'No data yet.')}"},
            }
        )
        return {"type": "home", "blocks": blocks}
    counts = snapshot.counts()
    total = len(snapshot.connections)
    summary = " · ".join(f"{EMOJI[h]} {n} {h.value}" for h, n in counts.items() if n)
    blocks.append(
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{total} connectors* in {len(snapshot.groups)} groups\n{summary or 'none'}",
            },
        }
    )
    problems = sorted(
        (c for c in snapshot.connections.values() if snapshot.health[c.id].is_problem),
        key=lambda c: (snapshot.health[c.id].rank, c.name.lower()),
    )
    blocks.append({"type": "divider"})
    if not problems:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": ":white_check_mark: No problems right now."},
            }
        )
    for i, connection in enumerate(problems[:MAX_PROBLEMS]):
        health = snapshot.health[connection.id]
        line = (
            f"{EMOJI[health]} *{esc(connection.name)}* · {esc(connection.service)} · {esc(snapshot.group_name(connection))}\n"
            f"{health.value}, last success {ago(connection.succeeded_at, now)}"
        )
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": cut(line, 2900)},
                "accessory": {
                    "type": "button",
                    "text": {"type": "plain_text", "text": plain("Show", 75)},
                    "action_id": ids.aid(ids.SHOW, f"home{i}"),
                    "value": connection.id,
                },
            }
        )
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"and {more} more: `/hvr list` shows them all"}],
            }
        )
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"As of {ago(snapshot.fetched_at, now)}; reopen the tab to refresh.",
                }
            ],
        }
    )
    return {"type": "home", "blocks": blocks}
