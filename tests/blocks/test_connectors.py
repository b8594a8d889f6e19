from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.connectors import connector_row, render_list
from bot.services.pipelines.kinds import SourceKinds
from bot.services.pipelines.selectors import Selector, counts_of, parse_selector, select
from bot.services.pipelines.snapshot import AccountSnapshot
from tests.blocks.checks import assert_safe
from tests.blocks.factory import HOSTILE, NOW, connection, make_snapshot, snapshot


def _list(snap: AccountSnapshot, text: str = "", page: int = 1, **kw: Any) -> dict[str, Any]:
    selector = parse_selector(text.split())
    return render_list(snap, select(snap, selector), selector, page=page, now=NOW, **kw).to_dict()


def _option(label: str, base: str) -> dict[str, object]:
    return {
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": ids.menu_value(base, "decidedly_conventional"),
    }


def test_a_list_row_shows_health_name_service_group_last_success_next_step_and_a_menu() -> None:
    c = connection(failed_at=(NOW - timedelta(hours=1)).isoformat())
    row = connector_row(snapshot(c), c, 7, now=NOW)
    assert row == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": ":x: *salesforce_prod* · salesforce · warehouse\n"
            "Failing · last success 3h ago · Check the failure and sync",
        },
        "accessory": {
            "type": "overflow",
            "action_id": "hvr.row_menu:7",
            "options": [
                _option("Show", ids.SHOW),
                _option("Sync", ids.SYNC),
                _option("Pause", ids.PAUSE),
                _option("Run setup tests", ids.TEST),
                _option("Schemas", ids.SCHEMAS),
            ],
        },
    }


def test_a_paused_row_offers_resume_instead_of_pause() -> None:
    c = connection(paused=True)
    values = [o["value"] for o in connector_row(snapshot(c), c, 0, now=NOW)["accessory"]["options"]]
    assert ids.menu_value(ids.RESUME, c.id) in values
    assert ids.menu_value(ids.PAUSE, c.id) not in values


def test_list_header_counts_the_selection_by_health() -> None:
    snap = make_snapshot(40, seed=1)
    blocks = _list(snap)["blocks"]
    assert blocks[0]["text"]["text"] == "Connectors"
    assert blocks[1]["text"]["text"].startswith("*40 connectors · ")
    assert blocks[1]["text"]["text"].endswith(" healthy*")


def test_list_shows_one_page_of_rows_and_a_page_context() -> None:
    message = _list(make_snapshot(40, seed=1), page=2)
    rows = [b for b in message["blocks"] if "accessory" in b]
    assert len(rows) == 15
    assert message["blocks"][-1]["elements"][0]["text"] == "Page 2 of 3 · as of 2m ago"


def test_prev_and_next_keep_the_filter() -> None:
    message = _list(make_snapshot(200, seed=2), "status:healthy dest_1", page=2, page_size=5)
    buttons = {e["action_id"]: e["value"] for e in message["blocks"][-2]["elements"]}
    assert buttons == {
        "hvr.list_page:prev": ids.pack(q="status:healthy dest_1", p=1),
        "hvr.list_page:next": ids.pack(q="status:healthy dest_1", p=3),
    }


def test_first_page_has_no_prev_and_last_page_no_next() -> None:
    snap = make_snapshot(20, seed=3)
    first = json.dumps(_list(snap, page=1))
    last = json.dumps(_list(snap, page=2))
    assert "list_page:prev" not in first and "list_page:next" in first
    assert "list_page:next" not in last and "list_page:prev" in last


@pytest.mark.parametrize(("asked", "shown"), [(0, 1), (-5, 1), (99, 2)])
def test_page_is_clamped_into_range(asked: int, shown: int) -> None:
    message = _list(make_snapshot(20, seed=3), page=asked)
    assert message["blocks"][-1]["elements"][0]["text"].startswith(f"Page {shown} of 2")


def test_a_huge_page_size_still_fits_in_fifty_blocks() -> None:
    message = _list(make_snapshot(500, seed=4), page_size=500)
    assert len(message["blocks"]) <= 50


def test_empty_result_says_what_matched_nothing_and_suggests_list() -> None:
    text = _list(make_snapshot(30, seed=5), "status:broken group:prod")["blocks"][0]["text"]["text"]
    assert "No connectors match group:prod status:broken." in text
    assert "no group `prod`" in text
    assert "`/hvr list`" in text


def test_an_account_without_connectors_says_so() -> None:
    text = _list(snapshot())["text"]
    assert text == "The account has no connectors yet. Add one in Fivetran, then try `/hvr list` again."


def test_a_hub_only_bot_without_channels_sends_no_one_to_fivetran() -> None:
    hub_only = SourceKinds(accounts=(), hubs=("east",))
    text = _list(snapshot(), configured=hub_only)["text"]
    assert text == "There are no connectors yet. Add one in the HVR hub east, then try `/hvr list` again."
    both = SourceKinds(accounts=("fivetran",), hubs=("east",))
    assert "in Fivetran or the hub," in _list(snapshot(), configured=both)["text"]


def test_a_hostile_filter_is_escaped_in_the_empty_answer() -> None:
    selector = Selector(text=(HOSTILE,))
    snap = make_snapshot(5)
    assert_safe(render_list(snap, [], selector, page=1, now=NOW))


@pytest.mark.parametrize("n", [0, 1, 25, 5000])
def test_lists_of_any_size_fit_slack(n: int, big: dict[int, AccountSnapshot]) -> None:
    snap = big[n]
    for page in (1, 2, 10_000):
        selector = Selector()
        assert_safe(render_list(snap, select(snap, selector), selector, page=page, now=NOW))


def test_hostile_and_5000_character_names_are_escaped_and_cut() -> None:
    long = HOSTILE * 100
    snap = make_snapshot(30, seed=6, name=long)
    for c in list(snap.connections.values())[:3]:
        snap = snap.with_connection(c.model_copy(update={"service": long}))
    selector = Selector()
    message = render_list(snap, select(snap, selector), selector, page=1, now=NOW)
    assert_safe(message)
    assert "&lt;!channel&gt;" in json.dumps(message.blocks)


def test_counts_given_by_the_caller_render_as_the_list_counts_them() -> None:
    snap = make_snapshot(40, seed=3)
    selector = Selector()
    selected = select(snap, selector)

    given = render_list(snap, selected, selector, page=2, now=NOW, counts=counts_of(snap, selector))

    assert given.to_dict() == render_list(snap, selected, selector, page=2, now=NOW).to_dict()
