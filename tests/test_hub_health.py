"""An HVR channel's health (section 8) from payloads shaped like the Hub Server's, and its row mapping."""

from __future__ import annotations

from typing import Any

import pytest

from bot.hvr.models import Channel, Job
from bot.services.pipelines.health import Health, classify
from bot.services.pipelines.hub_health import as_connection, channel_health, channel_jobs


def _channel(sla: str | None = None) -> Channel:
    actions: list[dict[str, Any]] = [{"type": "Capture", "loc_scope": "SOURCE", "unknown": 1}]
    if sla is not None:
        actions.append({"type": "Scheduling", "params": {"LatencySLA": sla}})
    return Channel.model_validate(
        {
            "name": "orders",
            "description": None,
            "tables": [{"name": "order_lines", "base_name": None, "cols": {}, "future": True}],
            "loc_groups": [{"name": "SOURCE", "members": ["src"]}, {"name": "TARGET", "members": ["tgt"]}],
            "actions": actions,
            "extra_field": {"x": None},
        }
    )


def _jobs(cap: str, integ: str, **more: dict[str, Any]) -> list[Job]:
    payload: dict[str, dict[str, Any]] = {
        "orders-cap-src": {"state": cap, "num_retries": None, "latency": None},
        "orders-integ-tgt": {"state": integ, "num_retries": 2, "latency": 30, "new": "x"},
        "other-cap-src": {"state": "FAILED"},
        **more,
    }
    return [Job.model_validate({"name": k, **v}) for k, v in payload.items()]


CASES = [
    ("RUNNING", "RUNNING", None, {}, Health.HEALTHY),
    ("RUNNING", "FAILED", None, {}, Health.FAILING),
    ("RUNNING", "RETRY", None, {}, Health.FAILING),
    ("ERROR", "SUSPEND", None, {}, Health.FAILING),
    ("SUSPEND", "SUSPENDED", None, {}, Health.PAUSED),
    ("SUSPEND", "RUNNING", None, {}, Health.HEALTHY),
    ("RUNNING", "RUNNING", "10s", {}, Health.DELAYED),
    ("RUNNING", "RUNNING", "5m", {}, Health.HEALTHY),
    ("RUNNING", "RUNNING", "10s", {"orders-refr-src-tgt": {"state": "RUNNING"}}, Health.SYNCING),
]


@pytest.mark.parametrize(("cap", "integ", "sla", "more", "expected"), CASES)
def test_health_and_its_row_agree(
    cap: str, integ: str, sla: str | None, more: dict[str, dict[str, Any]], expected: Health
) -> None:
    channel, jobs = _channel(sla), _jobs(cap, integ, **more)
    assert channel_health(channel, jobs) is expected
    row = as_connection("east", "hvrhub", channel, jobs)
    assert classify(row) is expected
    assert (row.id, row.group_id, row.name) == ("east:orders", "east:hvrhub", "orders")


def test_a_channel_without_jobs_is_incomplete() -> None:
    jobs = [Job.model_validate({"name": "other-cap-src", "state": "RUNNING"})]
    assert channel_health(_channel(), jobs) is Health.INCOMPLETE
    assert classify(as_connection("east", "hvrhub", _channel(), jobs)) is Health.INCOMPLETE


def test_the_channel_jobs_are_exactly_its_capture_and_integrate_jobs() -> None:
    jobs = _jobs("RUNNING", "RUNNING", **{"orders-refr-src-tgt": {"state": "RUNNING"}})
    assert [j.name for j in channel_jobs("orders", jobs)] == ["orders-cap-src", "orders-integ-tgt"]


def test_a_failing_channels_failed_at_is_when_its_job_logged_the_error_in_utc() -> None:
    from datetime import UTC, datetime

    from bot.services.pipelines.hub_health import NO_ERROR_TIME, failed_at

    logged = [
        Job.model_validate(
            {"name": "c-integ-t", "state": "FAILED", "log_job_err_tstamp": "2026-12-02T10:00:00"}
        )
    ]
    assert failed_at("c", logged) == datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    retrying = [Job.model_validate({"name": "c-integ-t", "state": "RETRY"})]
    assert failed_at("c", retrying) == NO_ERROR_TIME
