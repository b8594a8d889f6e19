"""A table's columns: state at a glance, the buttons each can take, why a locked one has none."""

from __future__ import annotations

from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.columns import render_columns
from bot.fivetran.models import TableColumns
from tests.blocks.checks import assert_safe
from tests.blocks.factory import HOSTILE, connection

CID = "decidedly_conventional"


def _columns(**columns: dict[str, Any]) -> TableColumns:
    base = {
        "name_in_destination": "x",
        "enabled": True,
        "hashed": False,
        "enabled_patch_settings": {"allowed": True},
    }
    return TableColumns.model_validate({"columns": {name: {**base, **c} for name, c in columns.items()}})


COLUMNS = _columns(
    id={"is_primary_key": True, "enabled_patch_settings": {"allowed": False, "reason_code": "SYSTEM_COLUMN"}},
    email={},
    ssn={"hashed": True},
    notes={"enabled": False},
    legacy={"enabled_patch_settings": {"allowed": False, "reason_code": "OTHER", "reason": "Always synced"}},
)


def _rows(columns: TableColumns = COLUMNS) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Each column's line and the buttons under it."""
    blocks = render_columns(connection(), "public", "orders", columns).blocks
    rows: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for i, block in enumerate(blocks):
        text = block.get("text", {}).get("text", "") if block["type"] == "section" else ""
        if text.startswith("*"):
            after = blocks[i + 1] if i + 1 < len(blocks) else {}
            buttons = after.get("elements", []) if after.get("type") == "actions" else []
            rows[text.split("*")[1]] = (text, buttons)
    return rows


def test_the_summary_counts_enabled_and_hashed_columns() -> None:
    blocks = render_columns(connection(), "public", "orders", COLUMNS).blocks
    assert blocks[0]["text"]["text"] == "Columns of public.orders · salesforce_prod"
    assert (
        blocks[1]["text"]["text"]
        == "Columns of `public.orders` of *salesforce_prod*: 4 of 5 enabled, 1 hashed"
    )


def test_each_column_says_enabled_hashed_and_primary_key() -> None:
    rows = _rows()
    assert rows["email"][0] == "*email* · ✓ enabled"
    assert rows["ssn"][0] == "*ssn* · ✓ enabled · hashed"
    assert rows["notes"][0] == "*notes* · ✗ disabled"
    assert rows["id"][0].startswith("*id* · ✓ enabled · primary key")


def test_an_enabled_column_offers_disable_and_hash_both_asking_first() -> None:
    disable, hash_ = _rows()["email"][1]
    value = ids.pack(c=CID, s="public", t="orders", k="email")
    assert (disable["action_id"], disable["value"]) == (ids.aid(ids.DISABLE_COLUMN, 1), value)
    assert disable["confirm"]["text"]["text"] == "*email* will no longer sync to the destination."
    assert (hash_["action_id"], hash_["value"]) == (ids.aid(ids.HASH_COLUMN, 1), value)
    assert "arrives hashed" in hash_["confirm"]["text"]["text"]


def test_a_hashed_column_offers_unhash_asking_first_and_a_disabled_one_only_enable() -> None:
    (_, unhash) = _rows()["ssn"][1]
    assert ids.base_of(unhash["action_id"]) == ids.UNHASH_COLUMN and unhash["confirm"]["style"] == "danger"
    (enable,) = _rows()["notes"][1]
    assert ids.base_of(enable["action_id"]) == ids.ENABLE_COLUMN and "confirm" not in enable


@pytest.mark.parametrize(
    ("name", "why"), [("id", "system column: Fivetran manages it"), ("legacy", "Always synced")]
)
def test_a_column_fivetran_will_not_change_says_why_and_has_no_buttons(name: str, why: str) -> None:
    text, buttons = _rows()[name]
    assert text.endswith(f"_Can't be changed: {why}_") and buttons == []


def test_columns_page_with_prev_and_next_keeping_the_table() -> None:
    many = _columns(**{f"c{i:03d}": {} for i in range(50)})
    message = render_columns(connection(), "public", "orders", many, page=2)
    elements = {e["action_id"]: e for b in message.blocks if b["type"] == "actions" for e in b["elements"]}
    assert elements["hvr.columns:prev"]["value"] == ids.pack(c=CID, s="public", t="orders", p=1)
    assert elements["hvr.columns:next"]["value"] == ids.pack(c=CID, s="public", t="orders", p=3)
    assert message.blocks[-1]["elements"][0]["text"].startswith("Page 2 of 3")


def test_a_table_without_columns_says_so() -> None:
    message = render_columns(connection(), "public", "orders", TableColumns())
    assert message.text == "Fivetran found no columns in `public.orders` of *salesforce_prod*."


@pytest.mark.parametrize("page", [-1, 1, 3, 500])
def test_1000_hostile_columns_fit_slack_on_any_page(page: int) -> None:
    many = _columns(**{f"{HOSTILE}{i}" * 3: {"hashed": i % 2 == 0} for i in range(1000)})
    assert_safe(render_columns(connection(name=HOSTILE), HOSTILE, HOSTILE * 20, many, page=page))
