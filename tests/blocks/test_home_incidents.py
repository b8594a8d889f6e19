"""The Home tab lists the open incidents the viewer acknowledged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.blocks.home import TakenIncident, render_home

NOW = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)


def test_the_home_tab_lists_the_viewers_acknowledged_incidents() -> None:
    taken = [
        TakenIncident("orders", "conn1", "C0ALERTS1", NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    ]
    blocks = render_home(None, role="operator", now=NOW, acknowledged=taken)["blocks"]
    at = next(
        i for i, b in enumerate(blocks) if b.get("text", {}).get("text") == "Incidents you acknowledged"
    )
    assert blocks[at + 1]["text"]["text"] == (
        ":raising_hand: *orders* in <#C0ALERTS1> · failing 2h · acknowledged "
        "<!date^1778324400^{date_short_pretty} {time}|2026-05-09 11:00 UTC>"
    )


def test_with_none_open_it_says_what_will_appear_there() -> None:
    blocks = render_home(None, role="operator", now=NOW, acknowledged=[])["blocks"]
    assert any("None open" in str(b) for b in blocks)
