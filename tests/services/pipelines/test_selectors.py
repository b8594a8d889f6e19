"""Selectors: alternatives within a kind, conjunction across kinds, free text, problems first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.keys import qualify
from bot.services.pipelines.health import Health
from bot.services.pipelines.selectors import (
    SELECTIONS_KEPT,
    Selector,
    SelectorError,
    counts_of,
    is_selector_term,
    parse_selector,
    select,
    unknown_groups,
)
from bot.services.pipelines.snapshot import AccountSnapshot
from tests.blocks.factory import NOW, connection, group, snapshot

FAILED = (NOW - timedelta(hours=1)).isoformat()


@pytest.fixture
def account() -> AccountSnapshot:
    return snapshot(
        connection(id="wh_sf", group_id="warehouse_id", service="salesforce", schema="crm"),
        connection(
            id="wh_stripe", group_id="warehouse_id", service="stripe", schema="billing", failed_at=FAILED
        ),
        connection(id="wh_pg", group_id="warehouse_id", service="postgres", schema="app_db", paused=True),
        connection(id="lk_stripe", group_id="lake_id", service="stripe", schema="payments"),
        connection(
            id="lk_hub",
            group_id="lake_id",
            service="hubspot",
            schema="marketing",
            status={"setup_state": "broken"},
        ),
        connection(id="lk_sf", group_id="lake_id", service="salesforce", schema="crm", failed_at=FAILED),
        groups=[group("warehouse_id", "warehouse"), group("lake_id", "Lake")],
    )


def ids(account: AccountSnapshot, text: str) -> list[str]:
    return [c.id for c in select(account, parse_selector(text.split()))]


# --- parsing -------------------------------------------------------------------------------------------


def test_each_key_fills_its_own_field() -> None:
    assert parse_selector(["group:Lake", "status:Failing", "service:Stripe"]) == Selector(
        groups=("Lake",), statuses=(Health.FAILING,), services=("stripe",)
    )


def test_keys_are_case_insensitive() -> None:
    assert parse_selector(["GROUP:x", "Status:broken", "SERVICE:y"]) == Selector(
        groups=("x",), statuses=(Health.BROKEN,), services=("y",)
    )


def test_other_words_are_free_text_when_allowed() -> None:
    assert parse_selector(["sales", "http://x"]) == Selector(text=("sales", "http://x"))


def test_free_text_is_refused_where_only_selectors_make_sense() -> None:
    with pytest.raises(SelectorError, match="`sales` is not a selector"):
        parse_selector(["group:x", "sales"], allow_text=False)


@pytest.mark.parametrize(
    ("key", "example"), [("group", "warehouse"), ("status", "failing"), ("service", "salesforce")]
)
def test_a_key_without_a_value_is_refused_with_an_example(key: str, example: str) -> None:
    with pytest.raises(SelectorError) as caught:
        parse_selector([f"{key}:"])
    assert str(caught.value) == f"`{key}:` needs a value, e.g. `{key}:{example}`"


def test_an_unknown_health_is_refused_listing_every_health() -> None:
    with pytest.raises(SelectorError) as caught:
        parse_selector(["status:sad"])
    assert str(caught.value) == (
        "`status:sad` is not a health; use one of "
        "broken, incomplete, failing, paused, rescheduled, delayed, syncing, healthy"
    )


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("group:x", True),
        ("Status:", True),
        ("service:a:b", True),
        ("sales", False),
        ("owner:me", False),
        (":x", False),
    ],
)
def test_is_selector_term_recognises_only_the_three_keys(token: str, expected: bool) -> None:
    assert is_selector_term(token) is expected


# --- matching ------------------------------------------------------------------------------------------


def test_an_empty_selector_selects_everything(account: AccountSnapshot) -> None:
    assert len(select(account, Selector())) == 6


@pytest.mark.parametrize("text", ["group:warehouse", "group:WAREHOUSE", "group:warehouse_id"])
def test_a_group_selects_by_name_or_id_case_insensitively(account: AccountSnapshot, text: str) -> None:
    assert set(ids(account, text)) == {"wh_sf", "wh_stripe", "wh_pg"}


def test_a_status_selects_by_health(account: AccountSnapshot) -> None:
    assert set(ids(account, "status:failing")) == {"wh_stripe", "lk_sf"}


def test_a_service_selects_by_type_case_insensitively(account: AccountSnapshot) -> None:
    assert set(ids(account, "service:STRIPE")) == {"wh_stripe", "lk_stripe"}


def test_terms_of_one_kind_are_alternatives(account: AccountSnapshot) -> None:
    assert set(ids(account, "status:broken status:paused")) == {"lk_hub", "wh_pg"}
    assert set(ids(account, "service:hubspot service:postgres")) == {"lk_hub", "wh_pg"}
    assert len(ids(account, "group:lake group:warehouse")) == 6


def test_terms_of_different_kinds_must_all_hold(account: AccountSnapshot) -> None:
    assert ids(account, "group:lake service:stripe") == ["lk_stripe"]
    assert ids(account, "group:warehouse status:failing service:stripe") == ["wh_stripe"]
    assert ids(account, "group:lake status:paused") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("market", {"lk_hub"}),  # name
        ("WH_", {"wh_sf", "wh_stripe", "wh_pg"}),  # id
        ("hubsp", {"lk_hub"}),  # service
        ("lake", {"lk_stripe", "lk_hub", "lk_sf"}),  # group name
    ],
)
def test_free_text_matches_name_id_service_or_group(
    account: AccountSnapshot, text: str, expected: set[str]
) -> None:
    assert set(ids(account, text)) == expected


def test_every_word_of_free_text_must_match(account: AccountSnapshot) -> None:
    assert ids(account, "crm lake") == ["lk_sf"]


def test_free_text_and_a_selector_combine(account: AccountSnapshot) -> None:
    assert ids(account, "crm status:failing") == ["lk_sf"]


def test_problems_come_first_in_health_order_then_group_then_name(account: AccountSnapshot) -> None:
    assert ids(account, "") == [
        "lk_hub",  # broken
        "lk_sf",  # failing, group Lake
        "wh_stripe",  # failing, group warehouse
        "wh_pg",  # paused
        "lk_stripe",  # healthy, Lake
        "wh_sf",  # healthy, warehouse
    ]


# --- unknown groups -------------------------------------------------------------------------------------


def test_unknown_groups_are_reported_as_typed(account: AccountSnapshot) -> None:
    selector = parse_selector(["group:Lake", "group:warehouse_id", "group:Ocean", "group:nope"])
    assert unknown_groups(account, selector) == ["Ocean", "nope"]


def test_known_groups_by_name_or_id_are_not_reported(account: AccountSnapshot) -> None:
    assert unknown_groups(account, parse_selector(["group:LAKE", "group:Lake_ID"])) == []


# --- one selection per snapshot ----------------------------------------------------------------------


def test_a_selection_is_kept_with_its_snapshot_and_each_caller_gets_its_own_list(
    account: AccountSnapshot,
) -> None:
    selector = parse_selector(["service:stripe"])
    first = select(account, selector)
    first.clear()  # a caller's list is its own

    assert [c.id for c in select(account, selector)] == ["wh_stripe", "lk_stripe"]
    assert list(account.selections) == [selector]


def test_a_changed_connection_is_selected_from_the_new_snapshot_not_the_kept_selection(
    account: AccountSnapshot,
) -> None:
    selector = parse_selector(["status:failing"])
    assert ids(account, "status:failing") == ["lk_sf", "wh_stripe"]

    fixed = account.connections["wh_stripe"].model_copy(update={"failed_at": None})
    changed = account.with_connection(fixed)

    assert [c.id for c in select(changed, selector)] == ["lk_sf"]
    assert ids(account, "status:failing") == ["lk_sf", "wh_stripe"]  # the old snapshot's stays as it was


def test_the_kept_selections_are_bounded(account: AccountSnapshot) -> None:
    for n in range(SELECTIONS_KEPT + 5):
        select(account, Selector(text=(f"word{n}",)))

    assert 0 < len(account.selections) <= SELECTIONS_KEPT


def test_counts_cover_the_whole_selection_and_each_caller_gets_its_own_dict(account: AccountSnapshot) -> None:
    selector = parse_selector(["group:warehouse"])
    counts = counts_of(account, selector)
    counts[Health.HEALTHY] = 99

    assert {h: n for h, n in counts_of(account, selector).items() if n} == {
        Health.HEALTHY: 1,
        Health.FAILING: 1,
        Health.PAUSED: 1,
    }


def test_with_several_sources_the_order_is_by_place_as_rows_show_it_unknown_groups_by_id() -> None:
    """The order works a place out once per group and source: the same order as `place` per connection,
    across sources that share group ids and for a group the account does not list."""
    rows = [
        # `gone_id` unqualified in both sources: the same group id, two places
        connection(
            id=qualify(source, cid),
            group_id=gid if gid == "gone_id" else qualify(source, gid),
            schema=name,
            failed_at=failed,
        )
        for source in ("zeta", "alpha")
        for cid, gid, name, failed in (
            ("c1", "warehouse_id", "Crm", None),
            ("c2", "lake_id", "billing", FAILED),
            ("c3", "gone_id", "app", None),
            ("c4", "lake_id", "ads", None),
        )
    ]
    account = AccountSnapshot(
        groups={
            qualify(s, gid): group(qualify(s, gid), name)
            for s in ("zeta", "alpha")
            for gid, name in (("warehouse_id", "Warehouse"), ("lake_id", "lake"))
        },
        connections={c.id: c for c in rows},
        fetched_at=NOW,
        sources=("zeta", "alpha"),
    )
    assert ids(account, "") == [
        "alpha:c2",  # failing first, then by place: alpha:lake, zeta:lake
        "zeta:c2",
        "alpha:c3",  # healthy: alpha:gone_id (no such group: its id), alpha:lake, alpha:warehouse, zeta:…
        "alpha:c4",
        "alpha:c1",
        "zeta:c3",
        "zeta:c4",
        "zeta:c1",
    ]
    assert [account.place(c) for c in select(account, Selector())][2:5] == [
        "alpha:gone_id",
        "alpha:lake",
        "alpha:Warehouse",
    ]
