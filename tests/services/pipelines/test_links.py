"""Dashboard URLs as people paste them, each of the shapes the dashboard has used, to what they show."""

from __future__ import annotations

import pytest

from bot.services.pipelines.links import (
    ConnectionLink,
    DestinationLink,
    NamedConnectionLink,
    find_link,
    parse_dashboard_url,
)
from bot.services.pipelines.snapshot import AccountSnapshot
from tests.blocks.factory import connection, group, snapshot


@pytest.mark.parametrize(
    ("url", "link"),
    [
        (
            "https://fivetran.com/dashboard/connectors/decidedly_conventional/status",
            ConnectionLink("decidedly_conventional"),
        ),
        (
            "https://fivetran.com/dashboard/connectors/huddling_comfy/status?groupId=fortitude_fawn&service=monday",
            ConnectionLink("huddling_comfy"),
        ),
        (
            "https://fivetran.com/dashboard/connections/sanctity_finally/status",
            ConnectionLink("sanctity_finally"),
        ),
        ("https://fivetran.com/dashboard/connections/buck_scalp", ConnectionLink("buck_scalp")),
        ("https://fivetran.com/dashboard/connections/buck_scalp/", ConnectionLink("buck_scalp")),
        ("https://fivetran.com/dashboard/connectors/conn_456", ConnectionLink("conn_456")),
        (
            "https://www.fivetran.com/dashboard/connections/buck_scalp/schema#tables",
            ConnectionLink("buck_scalp"),
        ),
        (
            "https://fivetran.com/dashboard/connectors/salesforce/salesforce_prod/logs",
            NamedConnectionLink("salesforce", "salesforce_prod"),
        ),
        (
            "https://fivetran.com/dashboard/connectors/mysql_rds/orders",
            NamedConnectionLink("mysql_rds", "orders"),
        ),
        (
            "https://fivetran.com/dashboard/destinations/warehouse_id/connectors",
            DestinationLink("warehouse_id"),
        ),
        ("https://fivetran.com/dashboard/destinations/warehouse_id", DestinationLink("warehouse_id")),
    ],
)
def test_every_dashboard_shape_names_its_pipeline_or_destination(url: str, link: object) -> None:
    assert parse_dashboard_url(url) == link


@pytest.mark.parametrize(
    "url",
    [
        "https://fivetran.com/dashboard/connectors",
        "https://fivetran.com/dashboard/destinations",
        "https://fivetran.com/docs/rest-api/connections",
        "https://fivetran.com/dashboard/user/api-config",
        "https://evilfivetran.com/dashboard/connections/buck_scalp",
        "https://fivetran.com.evil.example/dashboard/connections/buck_scalp",
        "ftp://fivetran.com/dashboard/connections/buck_scalp",
        "https://fivetran.com/dashboard/connections/%3C%21channel%3E",
        "not a url at all",
        "https://[::1/dashboard",
    ],
)
def test_other_urls_name_nothing(url: str) -> None:
    assert parse_dashboard_url(url) is None


@pytest.fixture
def snap() -> AccountSnapshot:
    conns = [
        connection(id="decidedly_conventional", service="salesforce", schema="salesforce_prod"),
        connection(id="twin_a", service="mysql", schema="orders", group_id="warehouse_id"),
        connection(id="twin_b", service="mysql", schema="orders", group_id="lake_id"),
    ]
    return snapshot(*conns, groups=[group(), group("lake_id", "lake")])


def test_an_id_finds_its_connection_and_a_destination_its_group(snap: AccountSnapshot) -> None:
    found = find_link(snap, ConnectionLink("decidedly_conventional"))
    assert found is not None and found.id == "decidedly_conventional"
    lake = find_link(snap, DestinationLink("lake_id"))
    assert lake is not None and lake.name == "lake"


def test_a_service_and_name_find_the_one_connection_they_name_and_never_guess_between_two(
    snap: AccountSnapshot,
) -> None:
    found = find_link(snap, NamedConnectionLink("Salesforce", "SALESFORCE_PROD"))
    assert found is not None and found.id == "decidedly_conventional"
    assert find_link(snap, NamedConnectionLink("mysql", "orders")) is None


def test_an_id_of_another_source_is_found_under_its_key() -> None:
    snap = snapshot(connection(id="staging:buck_scalp"))
    found = find_link(snap, ConnectionLink("buck_scalp"))
    assert found is not None and found.id == "staging:buck_scalp"


def test_unknown_ids_find_nothing(snap: AccountSnapshot) -> None:
    assert find_link(snap, ConnectionLink("no_such")) is None
    assert find_link(snap, DestinationLink("no_such")) is None
