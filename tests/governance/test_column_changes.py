"""The column changes of the case table (enable, disable, hash, unhash): the buttons that change what
reaches the destination ask first, and each change is on record under its own action name, with the
column it was about."""

from __future__ import annotations

import pytest

from bot.blocks import ids
from tests.governance.cases import BUTTONS, ButtonCase
from tests.governance.conftest import OPERATOR, Gov, buttons_of

COLUMN_CHANGES = [case for case in BUTTONS if case.action.endswith("_column")]


def test_the_case_table_has_every_column_change() -> None:
    assert {case.action for case in COLUMN_CHANGES} == {
        "enable_column",
        "disable_column",
        "hash_column",
        "unhash_column",
    }


async def test_a_column_button_asks_first_exactly_where_the_case_table_says(gov: Gov) -> None:
    target = gov.t.healthy[0]
    columns = gov.sim.columns(target.id, target.schema, target.table)["columns"]
    off, hashed = [name for name, c in columns.items() if c["enabled_patch_settings"]["allowed"]][:2]
    # one column off and one hashed, so that the list draws all four buttons
    gov.sim.patch_column(target.id, target.schema, target.table, off, {"enabled": False})
    gov.sim.patch_column(target.id, target.schema, target.table, hashed, {"enabled": True, "hashed": True})

    out = await gov.say(f"columns {target.id} {target.schema}.{target.table}", OPERATOR)

    drawn = {ids.base_of(b["action_id"]): b for b in buttons_of(out.last)}
    assert {case.action_id for case in COLUMN_CHANGES} <= drawn.keys()
    asks = {case.action_id: "confirm" in drawn[case.action_id] for case in COLUMN_CHANGES}
    assert asks == {case.action_id: case.confirms for case in COLUMN_CHANGES}


@pytest.mark.parametrize("case", COLUMN_CHANGES, ids=lambda case: case.action)
async def test_a_column_change_is_recorded_once_under_its_action_name_with_its_column(
    gov: Gov, case: ButtonCase
) -> None:
    target = gov.t.healthy[0]
    value = await case.value(gov, 0)
    await gov.click(ids.aid(case.action_id), value, OPERATOR)
    repo = gov.bot.router.deps.audit_repo
    assert repo is not None
    [entry] = await repo.query(connector=target.id, limit=10)
    column = ids.unpack(value)["k"]
    assert (entry.source, entry.action, entry.user_id) == ("button", case.action, OPERATOR)
    assert entry.parameters == {"column": f"{target.schema}.{target.table}.{column}"}
    assert entry.status == "succeeded", entry.message
