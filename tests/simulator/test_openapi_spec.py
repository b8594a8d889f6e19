"""The shared spec helper catches what it is meant to catch (it guards the client's tests too)."""

from __future__ import annotations

import pytest

from tests.openapi_spec import load_spec, validate_request, validate_response

CONNECTION = {
    "id": "decidedly_conventional", "group_id": "projected_sickle", "service": "postgres", "service_version": 1,
    "schema": "postgres_prod", "connected_by": None, "created_at": "2024-12-01T15:43:29.013729Z",
    "succeeded_at": None, "failed_at": None, "paused": False, "pause_after_trial": False, "sync_frequency": 360,
    "schedule_type": "auto", "daily_sync_time": None, "data_delay_sensitivity": "NORMAL",
    "status": {"setup_state": "incomplete", "sync_state": "scheduled", "update_state": "on_schedule",
               "is_historical_sync": False, "tasks": [], "warnings": []},
}  # fmt: skip


def test_the_spec_is_patched_in_memory() -> None:
    load_spec.cache_clear()
    spec = load_spec()
    freq = spec["components"]["schemas"]["ConnectorResponseV1"]["properties"]["sync_frequency"]
    assert 1440 in freq["enum"]


def test_nulls_and_integer_frequencies_of_a_real_connection_validate() -> None:
    validate_response(
        "GET", "/v1/connections/decidedly_conventional", 200, {"code": "Success", "data": CONNECTION}
    )


def test_a_wrong_type_in_an_answer_is_reported_with_its_place() -> None:
    bad = {**CONNECTION, "paused": "no"}
    with pytest.raises(AssertionError, match="data/paused"):
        validate_response("GET", "/v1/connections/x", 200, {"code": "Success", "data": bad})


def test_schema_config_maps_are_checked_by_their_real_keys() -> None:
    table = {"name_in_destination": "users", "enabled": True, "columns": {}, "supports_columns_config": True,
             "supports_history_mode": True}  # fmt: skip
    config = {"schema_change_handling": "ALLOW_ALL",
              "schemas": {"public": {"name_in_destination": "p", "enabled": True, "tables": {"users": table}}}}  # fmt: skip
    with pytest.raises(AssertionError, match="enabled_patch_settings"):
        validate_response("GET", "/v1/connections/x/schemas", 200, {"code": "Success", "data": config})


def test_unknown_paths_methods_queries_and_bodies_are_refused() -> None:
    with pytest.raises(AssertionError, match="no such path"):
        validate_request("GET", "/v1/nothing/x", None)
    # what only live Fivetran serves is refused unless asked for: the bot's requests keep to the definition
    for method, path in (("GET", "/v1/connectors/x"), ("POST", "/v1/connections/x/force"),
                         ("GET", "/v1/groups/g/connectors")):  # fmt: skip
        with pytest.raises(AssertionError, match="not in the official definition"):
            validate_request(method, path, None)
        validate_request(method, path, None, unofficial=True)
    with pytest.raises(AssertionError, match="only for"):
        validate_request("PUT", "/v1/connections/x", {})
    with pytest.raises(AssertionError, match="not declared"):
        validate_request("GET", "/v1/connections", None, {"page": "2"})
    with pytest.raises(AssertionError, match="sync_frequency"):
        validate_request("PATCH", "/v1/connections/x", {"sync_frequency": "60"})
    with pytest.raises(AssertionError, match="no request body"):
        validate_request("GET", "/v1/groups", {})
    validate_request("POST", "/v1/connections/x/resync", {"scope": {"public": ["users"]}})
    with pytest.raises(AssertionError, match="scope"):
        validate_request("POST", "/v1/connections/x/resync", {"scope": {"public": "users"}})


def test_the_patched_paths_answer_like_the_official_ones() -> None:
    ok = {"code": "Success", "message": "Sync has been successfully triggered for connection with id 'x'"}
    validate_response("POST", "/v1/connections/x/force", 200, ok)
    validate_response("GET", "/v1/connectors/x", 200, {"code": "Success", "data": CONNECTION})
    validate_response("GET", "/v1/groups/", 200, {"code": "Success", "data": {"items": []}})
    with pytest.raises(AssertionError, match="data/paused"):
        validate_response(
            "GET", "/v1/connectors/x/", 200, {"code": "Success", "data": {**CONNECTION, "paused": 1}}
        )
    with pytest.raises(AssertionError, match="no request body"):
        validate_request("POST", "/v1/connections/x/force", {}, unofficial=True)


def test_undeclared_statuses_are_skipped() -> None:
    validate_response("GET", "/v1/groups", 429, {"code": "TooManyRequests", "message": "slow down"})
    validate_response("GET", "/v1/connections/x", 404, {"code": "NotFound_Connection", "message": "gone"})
