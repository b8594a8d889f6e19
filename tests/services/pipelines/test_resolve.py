"""From what a person typed to one connector: by id, by name, by `group/name`; ambiguity and near misses."""

from __future__ import annotations

import pytest

from bot.fivetran.models import Connection
from bot.services.pipelines.resolve import MAX_CANDIDATES, Ambiguous, Found, Missing, resolve
from bot.services.pipelines.snapshot import AccountSnapshot
from tests.blocks.factory import connection, group, snapshot

SALESFORCE = connection(id="decidedly_conventional", group_id="warehouse_id", schema="salesforce_prod")
STRIPE_WAREHOUSE = connection(id="sodium_gnat", group_id="warehouse_id", service="stripe", schema="stripe")
STRIPE_LAKE = connection(id="amber_otter", group_id="lake_id", service="stripe", schema="stripe")
HUBSPOT = connection(id="quiet_heron", group_id="lake_id", service="hubspot", schema="hubspot_marketing")
ORPHAN = connection(id="lone_wolf", group_id="gone_id", service="postgres", schema="pg_main")


@pytest.fixture
def account() -> AccountSnapshot:
    return snapshot(
        SALESFORCE,
        STRIPE_WAREHOUSE,
        STRIPE_LAKE,
        HUBSPOT,
        ORPHAN,
        groups=[group("warehouse_id", "warehouse"), group("lake_id", "Lake")],
    )


def found(account: AccountSnapshot, query: str) -> Connection:
    result = resolve(account, query)
    assert isinstance(result, Found), result
    return result.connection


def missing(account: AccountSnapshot, query: str) -> list[str]:
    result = resolve(account, query)
    assert isinstance(result, Missing), result
    assert result.query == query
    return [c.id for c in result.suggestions]


def test_an_id_finds_its_connector(account: AccountSnapshot) -> None:
    assert found(account, "decidedly_conventional") == SALESFORCE


def test_an_id_in_another_case_finds_its_connector(account: AccountSnapshot) -> None:
    assert found(account, "Decidedly_CONVENTIONAL") == SALESFORCE


def test_a_name_finds_its_connector_case_insensitively(account: AccountSnapshot) -> None:
    assert found(account, "SalesForce_Prod") == SALESFORCE


def test_surrounding_spaces_are_ignored(account: AccountSnapshot) -> None:
    assert found(account, "  salesforce_prod \t") == SALESFORCE


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("warehouse/stripe", STRIPE_WAREHOUSE),
        ("lake/stripe", STRIPE_LAKE),
        ("LAKE/Stripe", STRIPE_LAKE),
        ("lake_id/stripe", STRIPE_LAKE),
        ("Warehouse_ID/stripe", STRIPE_WAREHOUSE),
    ],
)
def test_group_slash_name_picks_one_of_two_same_names(
    account: AccountSnapshot, query: str, expected: Connection
) -> None:
    assert found(account, query) == expected


def test_group_slash_name_works_by_group_id_when_the_group_is_unknown(account: AccountSnapshot) -> None:
    assert found(account, "gone_id/pg_main") == ORPHAN


def test_group_slash_name_in_the_wrong_group_is_missing(account: AccountSnapshot) -> None:
    assert "quiet_heron" in missing(account, "warehouse/hubspot_marketing")


def test_a_name_in_two_groups_is_ambiguous(account: AccountSnapshot) -> None:
    result = resolve(account, "Stripe")
    assert isinstance(result, Ambiguous)
    assert result.query == "Stripe"
    # ordered by group name, case-insensitively: "Lake" before "warehouse"
    assert [c.id for c in result.candidates] == ["amber_otter", "sodium_gnat"]


def test_ambiguous_candidates_are_capped() -> None:
    groups = [group(f"g{i}_id", f"dest_{i}") for i in range(MAX_CANDIDATES + 3)]
    same = [connection(id=f"c{i}", group_id=g.id, schema="stripe") for i, g in enumerate(groups)]
    result = resolve(snapshot(*same, groups=groups), "stripe")
    assert isinstance(result, Ambiguous)
    assert [c.id for c in result.candidates] == [f"c{i}" for i in range(MAX_CANDIDATES)]


def test_a_name_that_is_another_connectors_id_is_ambiguous() -> None:
    first = connection(id="stripe", schema="billing")
    second = connection(id="amber_otter", schema="stripe")
    account = snapshot(first, second)
    assert found(account, "stripe") == first  # the exact id wins
    result = resolve(account, "STRIPE")
    assert isinstance(result, Ambiguous)
    assert {c.id for c in result.candidates} == {"stripe", "amber_otter"}


@pytest.mark.parametrize("typo", ["salesforce_prd", "salesforc_prod", "decidedly_conventinal"])
def test_a_typo_suggests_the_closest_connector(account: AccountSnapshot, typo: str) -> None:
    assert missing(account, typo)[0] == "decidedly_conventional"


def test_a_typo_in_group_slash_name_suggests_it(account: AccountSnapshot) -> None:
    assert missing(account, "warehose/stripe")[0] == "sodium_gnat"


def test_a_fragment_of_a_name_is_a_near_miss(account: AccountSnapshot) -> None:
    assert missing(account, "hubspot") == ["quiet_heron"]


def test_a_fragment_of_a_group_name_suggests_its_connectors(account: AccountSnapshot) -> None:
    assert set(missing(account, "ware")) == {"decidedly_conventional", "sodium_gnat"}


def test_a_fragment_shorter_than_three_characters_suggests_nothing(account: AccountSnapshot) -> None:
    assert missing(account, "hu") == []


def test_nothing_close_suggests_nothing(account: AccountSnapshot) -> None:
    assert missing(account, "zzzzzzzz") == []


def test_suggestions_are_capped_and_not_repeated() -> None:
    many = [connection(id=f"conn_{i}", schema=f"sales_{i}") for i in range(12)]
    suggestions = missing(snapshot(*many), "sales_")
    assert len(suggestions) == MAX_CANDIDATES
    assert len(set(suggestions)) == MAX_CANDIDATES


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_is_missing_with_no_suggestions(account: AccountSnapshot, query: str) -> None:
    assert missing(account, query) == []
