"""`/hvr columns` and its buttons, through the router: the list, a change audited and told to the
channel with the list shown again, and a refusal in plain words to the person only."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.blocks import ids
from bot.fivetran.errors import BadRequest
from bot.services.governance.access import Actor, Role
from bot.services.pipelines.actions import ConnectorActions
from bot.slack.router import Router
from tests.blocks.factory import NOW, connection, group
from tests.fakes.deps import only
from tests.integration.conftest import RecordingResponder
from tests.services.fakes import FakeFivetran
from tests.slack.doubles import Audits, Cache, Once, Roles

CID = "decidedly_conventional"


@dataclass
class Rig:
    fivetran: FakeFivetran
    audits: Audits
    roles: Roles
    router: Router

    async def say(self, text: str) -> RecordingResponder:
        out = RecordingResponder()
        await self.router.command(text, Actor("U1", "C1"), out)
        return out

    async def press(self, base: str, **fields: object) -> RecordingResponder:
        out = RecordingResponder()
        value = ids.pack(**{"c": CID, "s": "public", "t": "orders", **fields})
        await self.router.action(ids.aid(base, 2), value, Actor("U1", "C1"), out)
        return out


@pytest.fixture
def rig() -> Rig:
    fivetran, audits, roles = FakeFivetran([connection(id=CID)], [group()]), Audits(), Roles()
    deps = only(
        cache=Cache(),
        actions=ConnectorActions(fivetran.as_client(), Cache()),
        policy=roles,
        dedupe=Once(),
        auditor=audits,
        now=lambda: NOW,
    )
    return Rig(fivetran, audits, roles, Router(deps))


async def test_the_columns_command_lists_the_tables_columns(rig: Rig) -> None:
    rig.roles.role = Role.VIEWER
    out = await rig.say("columns salesforce_prod public.orders")
    (reply,) = out.replies
    assert reply.message.text == "Columns of `public.orders` of *salesforce_prod*: 2 of 2 enabled"
    assert rig.fivetran.calls == [("get_columns", (CID, "public", "orders"))]
    assert not rig.audits.entries  # looking changes nothing


async def test_the_columns_button_of_a_table_shows_them_in_place_of_the_tables(rig: Rig) -> None:
    out = await rig.press(ids.COLUMNS, p=1)
    assert out.replies[-1].replace and "2 of 2 enabled" in out.replies[-1].message.text


async def test_disabling_a_column_is_audited_told_to_the_channel_and_the_list_shown_again(rig: Rig) -> None:
    out = await rig.press(ids.DISABLE_COLUMN, k="email")
    assert rig.fivetran.calls[0] == ("set_column", (CID, "public", "orders", "email", False, None))
    assert [e[:2] for e in rig.audits.entries] == [
        ("disable_column", "started"),
        ("disable_column", "succeeded"),
    ]
    assert rig.audits.entries[0][2] == {"column": "public.orders.email"}
    announced, shown = out.replies
    assert announced.in_channel
    assert announced.message.text == (
        ":white_check_mark: <@U1> disabled a column of *salesforce_prod*: Disabled `public.orders.email`."
    )
    assert shown.replace and "1 of 2 enabled" in shown.message.text


async def test_a_change_fivetran_refuses_says_why_to_the_person_only(rig: Rig) -> None:
    rig.fivetran.fail["set_column"] = BadRequest(
        "Primary key columns cannot be disabled", code="InvalidInput"
    )
    out = await rig.press(ids.DISABLE_COLUMN, k="id")
    (refused,) = out.replies
    assert not refused.in_channel
    assert refused.message.text == (
        ":warning: Could not disable a column of *salesforce_prod*: Fivetran refused to change this column; "
        "its reason is in brackets. (Fivetran: Primary key columns cannot be disabled)"
    )
    assert rig.audits.entries[-1][:2] == ("disable_column", "failed")


async def test_a_viewer_cannot_change_a_column(rig: Rig) -> None:
    rig.roles.role = Role.VIEWER
    out = await rig.press(ids.HASH_COLUMN, k="email")
    assert out.replies[-1].message.text.startswith(":lock:")
    assert rig.fivetran.count("set_column") == 0
    assert rig.audits.entries == [("hash_column", "refused", {"column": "public.orders.email"})]


async def test_a_button_without_its_column_asks_to_open_the_list_again(rig: Rig) -> None:
    out = await rig.press(ids.ENABLE_COLUMN)
    assert "missing its column" in out.replies[-1].message.text
    assert rig.fivetran.calls == []
