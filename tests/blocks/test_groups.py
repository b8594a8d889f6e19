from __future__ import annotations

import json

import pytest

from bot.blocks import ids
from bot.blocks.groups import render_group, render_groups
from bot.services.pipelines.snapshot import AccountSnapshot
from tests.blocks.checks import assert_safe
from tests.blocks.factory import HOSTILE, NOW, connection, group, make_snapshot, snapshot


def test_groups_show_each_groups_health_counts_with_an_open_button() -> None:
    snap = snapshot(
        connection(id="a"),
        connection(id="b", status={"setup_state": "broken"}),
        groups=[group("warehouse_id", "warehouse")],
    )
    block = render_groups(snap).blocks[2]
    assert block == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": ":red_circle: *warehouse*\n2 connectors · 1 broken · 1 healthy"},
        "accessory": {
            "type": "button",
            "action_id": "hvr.group:0",
            "text": {"type": "plain_text", "text": "Open", "emoji": True},
            "value": "warehouse_id",
        },
    }


def test_groups_with_problems_come_first() -> None:
    snap = snapshot(
        connection(id="a", group_id="g1"),
        connection(id="b", group_id="g2", failed_at="2026-05-09T11:00:00Z"),
        groups=[group("g1", "alpha"), group("g2", "beta")],
    )
    values = [b["accessory"]["value"] for b in render_groups(snap).blocks if "accessory" in b]
    assert values == ["g2", "g1"]


def test_an_account_without_groups_says_so() -> None:
    assert "no groups" in render_groups(snapshot(groups=[])).text


def test_a_group_lists_problems_first_and_points_to_the_rest() -> None:
    snap = make_snapshot(200, seed=9, n_groups=1)
    message = render_group(snap, snap.groups["group_0"], now=NOW)
    rows = [b for b in message.blocks if "accessory" in b]
    assert len(rows) == 20
    assert rows[0]["text"]["text"].startswith(":red_circle:")
    assert "and 180 more: `/hvr list group:dest_0`" in message.blocks[-1]["elements"][0]["text"]


def test_a_group_name_with_spaces_is_quoted_in_the_list_hint() -> None:
    conns = [connection(id=f"c{i}", group_id="g") for i in range(25)]
    snap = snapshot(*conns, groups=[group("g", "Prod Warehouse")])
    footer = render_group(snap, snap.groups["g"], now=NOW).blocks[-1]["elements"][0]["text"]
    assert '`/hvr list group:"Prod Warehouse"`' in footer


def test_an_empty_group_says_so() -> None:
    snap = snapshot(groups=[group()])
    assert "has no connectors" in json.dumps(render_group(snap, group(), now=NOW).blocks)


@pytest.mark.parametrize("n", [0, 1, 25, 5000])
def test_groups_views_fit_slack_at_any_size(n: int, big: dict[int, AccountSnapshot]) -> None:
    snap = big[n]
    assert_safe(render_groups(snap))
    for g in snap.groups.values():
        assert_safe(render_group(snap, g, now=NOW))


def test_hundred_hostile_groups_fit_and_are_escaped() -> None:
    long = HOSTILE * 100
    groups = [group(f"g{i}", f"{long}{i}") for i in range(100)]
    snap = snapshot(
        *[connection(id=f"c{i}", group_id=f"g{i}", schema=long) for i in range(100)], groups=groups
    )
    message = render_groups(snap)
    assert_safe(message)
    assert ids.GROUP + ":46" in json.dumps(message.blocks)
    assert "and 53 more groups" in json.dumps(message.blocks)
    assert_safe(render_group(snap, groups[0], now=NOW))
