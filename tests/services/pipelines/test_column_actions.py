"""Column changes: enable, disable, hash, unhash; each a result a view renders as it is, a refusal said
in plain words, and hashing sent with the column's own `enabled` as Fivetran has it now."""

from __future__ import annotations

import pytest

from bot.fivetran.errors import BadRequest, Conflict, Forbidden, NotFound
from bot.services.pipelines.actions import ConnectorActions
from bot.services.pipelines.snapshot import SnapshotCache
from tests.blocks.factory import connection, group
from tests.fakes import FakeClock
from tests.services.fakes import FakeFivetran

CID = "decidedly_conventional"


@pytest.fixture
def fivetran() -> FakeFivetran:
    return FakeFivetran([connection(id=CID)], [group()])


@pytest.fixture
def actions(fivetran: FakeFivetran) -> ConnectorActions:
    return ConnectorActions(
        fivetran.as_client(), SnapshotCache(fivetran.as_client(), clock=FakeClock().timestamp)
    )


@pytest.mark.parametrize(
    ("action", "sent", "summary"),
    [
        ("enable_column", (True, None), "Enabled `public.orders.email`."),
        ("disable_column", (False, None), "Disabled `public.orders.email`."),
        (
            "hash_column",
            (True, True),
            "Hashing `public.orders.email`: its values arrive hashed from the next sync.",
        ),
        ("unhash_column", (True, False), "Stopped hashing `public.orders.email`."),
    ],
)
async def test_each_column_change_sends_what_fivetran_needs_and_says_what_it_did(
    actions: ConnectorActions,
    fivetran: FakeFivetran,
    action: str,
    sent: tuple[bool, bool | None],
    summary: str,
) -> None:
    result = await actions.set_column(action, CID, "public", "orders", "email")
    assert (result.ok, result.action, result.summary) == (True, action, summary)
    # only a hashing change needs the column's `enabled` read first
    assert fivetran.count("get_columns") == (0 if sent[1] is None else 1)
    (call,) = [args for name, args in fivetran.calls if name == "set_column"]
    assert call == (CID, "public", "orders", "email", *sent)
    assert result.schemas is fivetran.schemas


async def test_hashing_a_column_someone_disabled_keeps_it_disabled(
    actions: ConnectorActions, fivetran: FakeFivetran
) -> None:
    fivetran.columns.columns["email"] = fivetran.columns.columns["email"].model_copy(
        update={"enabled": False}
    )
    await actions.set_column("hash_column", CID, "public", "orders", "email")
    (call,) = [args for name, args in fivetran.calls if name == "set_column"]
    assert call[4:] == (False, True)


async def test_hashing_a_column_the_table_no_longer_has_says_so(
    actions: ConnectorActions, fivetran: FakeFivetran
) -> None:
    result = await actions.set_column("hash_column", CID, "public", "orders", "gone")
    assert not result.ok and fivetran.count("set_column") == 0
    assert result.summary.startswith("Fivetran knows no such column (names are case-sensitive)")


@pytest.mark.parametrize("error", [BadRequest("Primary key columns cannot be disabled"), Conflict("busy")])
async def test_a_refused_column_change_says_fivetran_refused_and_keeps_its_reason(
    actions: ConnectorActions, fivetran: FakeFivetran, error: BadRequest | Conflict
) -> None:
    fivetran.fail["set_column"] = error
    result = await actions.set_column("disable_column", CID, "public", "orders", "id")
    assert not result.ok
    assert result.summary == "Fivetran refused to change this column; its reason is in brackets."
    assert result.detail == error.message


async def test_other_refusals_read_as_for_any_change(
    actions: ConnectorActions, fivetran: FakeFivetran
) -> None:
    fivetran.fail["set_column"] = Forbidden("No permission")
    result = await actions.set_column("enable_column", CID, "public", "orders", "email")
    assert result.summary.startswith("The bot's Fivetran API key is not allowed to do this.")
    fivetran.fail["set_column"] = NotFound("No column")
    result = await actions.set_column("enable_column", CID, "public", "orders", "email")
    assert result.summary.startswith("Fivetran knows no such column")
