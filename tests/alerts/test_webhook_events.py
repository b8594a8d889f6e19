"""Verifying and decoding Fivetran webhook deliveries, without I/O."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.services.alerts.events import MAX_KEY, AlertKind
from bot.services.alerts.webhook_events import WebhookPayloadError, parse_webhook, sign, verify_signature

SECRET = "s3cret-webhook"
# A live capture quoted in the reference (2026-05-21).
LIVE = (
    b'{"event":"sync_end","created":"2026-05-22T00:06:08.638Z","connector_type":"google_cloud_postgresql",'
    b'"connector_id":"assimilate_seem","connector_name":"ftar_pg","sync_id":"b4703f73-6315-4e22-8d7a-3bfb18b2fed2",'
    b'"destination_group_id":"inappropriate_implode","data":{"status":"SUCCESSFUL"}}'
)


def body(event: str = "sync_end", **fields: Any) -> bytes:
    payload: dict[str, Any] = {
        "event": event,
        "created": "2026-05-22T00:06:08.638Z",
        "connector_type": "postgres",
        "connector_id": "assimilate_seem",
        "connector_name": "ftar_pg",
        "sync_id": "sync-1",
        "destination_group_id": "warehouse_id",
        "data": {},
    }
    payload.update(fields)
    return json.dumps(payload).encode()


def test_signature_is_upper_case_hex_hmac_sha256_of_the_raw_body() -> None:
    assert verify_signature(SECRET, LIVE, sign(SECRET, LIVE))
    assert sign(SECRET, LIVE) == sign(SECRET, LIVE).upper()


def test_signature_comparison_ignores_case_and_surrounding_space() -> None:
    assert verify_signature(SECRET, LIVE, " " + sign(SECRET, LIVE).lower() + " ")


@pytest.mark.parametrize(
    "header",
    [None, "", "00" * 32, "not hex at all", "é" * 64],
    ids=["missing", "empty", "zeros", "garbage", "non-ascii"],
)
def test_a_missing_or_wrong_signature_is_refused(header: str | None) -> None:
    assert not verify_signature(SECRET, LIVE, header)


def test_a_signature_of_another_body_or_secret_is_refused() -> None:
    assert not verify_signature(SECRET, LIVE + b" ", sign(SECRET, LIVE))
    assert not verify_signature(SECRET, LIVE, sign("other", LIVE))


def test_no_secret_verifies_nothing() -> None:
    assert not verify_signature("", LIVE, sign("", LIVE))


def test_the_live_capture_is_a_successful_sync_end() -> None:
    event = parse_webhook(LIVE)
    assert event is not None
    assert event.kind is AlertKind.SYNC_SUCCEEDED
    assert event.connection_id == "assimilate_seem"
    assert event.connector_name == "ftar_pg"
    assert event.group_id == "inappropriate_implode"
    assert event.service == "google_cloud_postgresql"
    assert event.at == datetime(2026, 5, 22, 0, 6, 8, 638000, tzinfo=UTC)
    assert event.key == "webhook:b4703f73-6315-4e22-8d7a-3bfb18b2fed2:sync_end"
    assert event.source == "webhook"


@pytest.mark.parametrize("status", ["FAILED", "FAILURE_WITH_TASK", "SOMETHING_NEW"])
def test_a_sync_end_that_is_not_successful_is_a_failure_with_its_reason(status: str) -> None:
    event = parse_webhook(body(data={"status": status, "reason": "Source API returned 502"}))
    assert event is not None
    assert event.kind is AlertKind.SYNC_FAILED
    assert event.message == "Source API returned 502"


def test_a_failure_without_reason_says_its_status() -> None:
    event = parse_webhook(body(data={"status": "FAILED"}))
    assert event is not None and event.message == "FAILED"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("connection_failure", AlertKind.BROKE),
        ("connection_successful", AlertKind.RECOVERED),
        ("pause_connector", AlertKind.PAUSED),
        ("resume_connector", AlertKind.RESUMED),
        ("sync_start", AlertKind.SYNC_STARTED),
    ],
)
def test_connection_and_pause_events_map_to_their_kinds(name: str, kind: AlertKind) -> None:
    event = parse_webhook(body(name))
    assert event is not None and event.kind is kind


def test_sync_start_is_parsed_but_never_announced() -> None:
    event = parse_webhook(body("sync_start"))
    assert event is not None and not event.announced


def test_a_connection_failure_carries_its_reason() -> None:
    event = parse_webhook(body("connection_failure", data={"reason": "Reconnect: credentials revoked"}))
    assert event is not None and event.message == "Reconnect: credentials revoked"


def test_a_pause_names_who_did_it_when_fivetran_says() -> None:
    event = parse_webhook(body("pause_connector", data={"actor": "ana@example.com"}))
    assert event is not None and event.actor == "ana@example.com"


def test_legacy_group_id_is_read_when_destination_group_id_is_absent() -> None:
    payload = json.loads(body())
    del payload["destination_group_id"]
    payload["group_id"] = "legacy_group"
    event = parse_webhook(json.dumps(payload).encode())
    assert event is not None and event.group_id == "legacy_group"


def test_the_test_event_and_unknown_events_carry_nothing_to_announce() -> None:
    probe = (
        b'{"event":"test_event","created":"2026-05-22T00:06:08.638Z","connector_type":"_connector_type",'
        b'"connector_id":"_connector_1","group_id":"_destination_1"}'
    )
    assert parse_webhook(probe) is None
    assert parse_webhook(body("dbt_run_succeeded")) is None
    assert parse_webhook(body("edit_connector")) is None


def test_an_event_without_sync_id_is_keyed_by_connector_event_and_time() -> None:
    payload = json.loads(body("connection_failure"))
    del payload["sync_id"]
    event = parse_webhook(json.dumps(payload).encode())
    assert event is not None
    assert event.key == "webhook:assimilate_seem:connection_failure:2026-05-22T00:06:08.638000+00:00"


def test_a_huge_sync_id_still_gives_a_key_that_fits_the_claims_table() -> None:
    event = parse_webhook(body(sync_id="x" * 1000))
    assert event is not None and len(event.key) <= MAX_KEY
    again = parse_webhook(body(sync_id="x" * 1000))
    assert again is not None and again.key == event.key


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"created": "2026-05-22T00:06:08Z"}',
        body(connector_id=None),
        body(created="yesterday"),
        body(created=None),
    ],
    ids=["text", "binary", "array", "no-event", "no-connector", "bad-created", "no-created"],
)
def test_bodies_that_are_not_fivetran_events_are_errors(raw: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_webhook(raw)
