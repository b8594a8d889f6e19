from __future__ import annotations

import json
from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.schemas import render_schemas, render_tables
from tests.blocks.checks import assert_safe
from tests.blocks.factory import HOSTILE, connection, schema_settings

SETTINGS = schema_settings(
    {
        "public": {
            "orders": {},
            "items": {"enabled": False},
            "fivetran_audit": {"enabled_patch_settings": {"allowed": False, "reason_code": "SYSTEM_TABLE"}},
        },
        "crm": {
            "gone": {"enabled_patch_settings": {"allowed": False, "reason_code": "DELETED"}},
            "odd": {
                "enabled_patch_settings": {"allowed": False, "reason_code": "OTHER", "reason": "Excluded"}
            },
        },
    }
)
CID = "decidedly_conventional"


def _elements(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def test_schemas_show_enabled_counts_and_a_tables_button_per_schema() -> None:
    blocks = render_schemas(connection(), SETTINGS).blocks
    assert blocks[1]["text"]["text"] == "*salesforce_prod*: 2 schemas · 4 of 5 tables enabled"
    assert blocks[2] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "✓ *public* · 2 of 3 tables enabled"},
        "accessory": {
            "type": "button",
            "action_id": "hvr.tables:0",
            "text": {"type": "plain_text", "text": "Tables", "emoji": True},
            "value": ids.pack(c=CID, s="public", p=1),
        },
    }
    assert _elements(blocks)["hvr.reload_schemas:0"]["value"] == CID


def test_an_enabled_table_offers_disable_with_a_confirm_and_resync_with_a_confirm() -> None:
    elements = _elements(render_tables(connection(), SETTINGS, "public").blocks)
    disable = elements["hvr.disable_table:0"]
    assert disable["value"] == ids.pack(c=CID, s="public", t="orders")
    assert disable["confirm"]["text"]["text"] == "*orders* will no longer sync."
    resync = elements["hvr.resync_table:0"]
    assert resync["value"] == ids.pack(c=CID, s="public", t="orders")
    assert resync["confirm"]["style"] == "danger"


def test_a_disabled_table_offers_enable_without_a_confirm() -> None:
    enable = _elements(render_tables(connection(), SETTINGS, "public").blocks)["hvr.enable_table:1"]
    assert enable["value"] == ids.pack(c=CID, s="public", t="items")
    assert "confirm" not in enable


@pytest.mark.parametrize(
    ("schema", "table", "why"),
    [
        ("public", "fivetran_audit", "system table: Fivetran manages it"),
        ("crm", "gone", "deleted in the source"),
        ("crm", "odd", "Excluded"),
    ],
)
def test_a_locked_table_says_why_instead_of_a_toggle(schema: str, table: str, why: str) -> None:
    blocks = render_tables(connection(), SETTINGS, schema).blocks
    row = next(
        i for i, b in enumerate(blocks) if b["type"] == "section" and f"*{table}*" in b["text"]["text"]
    )
    assert f"_Can't be switched: {why}_" in blocks[row]["text"]["text"]
    buttons = [ids.base_of(e["action_id"]) for e in blocks[row + 1]["elements"]]
    assert buttons == [ids.RESYNC_TABLE, ids.COLUMNS]  # its columns can still be looked at


def test_a_table_offers_its_columns_unless_fivetran_says_it_has_no_column_config() -> None:
    settings = schema_settings({"public": {"orders": {}, "flat": {"supports_columns_config": False}}})
    elements = _elements(render_tables(connection(), settings, "public").blocks)
    assert elements["hvr.columns:0"]["value"] == ids.pack(c=CID, s="public", t="orders", p=1)
    assert "hvr.columns:1" not in elements


def test_all_schemas_name_tables_with_their_schema() -> None:
    text = json.dumps(render_tables(connection(), SETTINGS, None).blocks)
    assert "*public.orders*" in text and "*crm.gone*" in text


def test_an_unknown_schema_lists_the_schemas() -> None:
    message = render_tables(connection(), SETTINGS, "nope")
    assert message.blocks[0]["text"]["text"] == (
        "*salesforce_prod* has no schema `nope`. Its schemas: `public`, `crm`."
    )


def test_tables_page_with_prev_and_next_keeping_the_schema() -> None:
    many = schema_settings({"public": {f"t{i:03d}": {} for i in range(50)}})
    message = render_tables(connection(), many, "public", page=2)
    elements = _elements(message.blocks)
    assert elements["hvr.tables:prev"]["value"] == ids.pack(c=CID, s="public", p=1)
    assert elements["hvr.tables:next"]["value"] == ids.pack(c=CID, s="public", p=3)
    assert message.blocks[-1]["elements"][0]["text"] == "Page 2 of 3"


@pytest.mark.parametrize("page", [-1, 1, 2, 500])
@pytest.mark.parametrize("page_size", [1, 20, 1000])
def test_5000_tables_fit_slack_on_any_page(page: int, page_size: int) -> None:
    many = schema_settings({f"s{s}": {f"t{i:04d}": {} for i in range(1000)} for s in range(5)})
    assert_safe(render_tables(connection(), many, None, page=page, page_size=page_size))
    assert_safe(render_tables(connection(), many, "s1", page=page, page_size=page_size))


def test_hostile_schema_and_table_names_fit_and_are_escaped() -> None:
    long = HOSTILE * 100
    spec: dict[str, dict[str, dict[str, Any]]] = {
        f"{long}{s}": {
            f"{long}{t}": {
                "sync_mode": long,
                "enabled": t % 2 == 0,
                "enabled_patch_settings": {"allowed": t % 3 != 0, "reason_code": "OTHER", "reason": long},
            }
            for t in range(30)
        }
        for s in range(100)
    }
    hostile = schema_settings(spec)
    c = connection(schema=long)
    assert_safe(render_schemas(c, hostile))
    assert_safe(render_tables(c, hostile, None))
    assert_safe(render_tables(c, hostile, f"{long}3", page=2))
    assert_safe(render_tables(c, hostile, long))


def test_no_schemas_and_no_tables_are_said_plainly() -> None:
    empty = schema_settings({})
    assert_safe(render_schemas(connection(), empty))
    assert "no schemas" in render_tables(connection(), empty, "x").text
    assert "No tables" in render_tables(connection(), schema_settings({"a": {}}), "a").text
