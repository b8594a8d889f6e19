"""Health precedence from DESIGN.md: broken > incomplete > failing > paused > rescheduled > delayed >
syncing > healthy; the first condition that holds wins."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest

from bot.services.pipelines.health import Health, classify, parse_health
from tests.blocks.factory import NOW, connection

ORDER = [
    Health.BROKEN,
    Health.INCOMPLETE,
    Health.FAILING,
    Health.PAUSED,
    Health.RESCHEDULED,
    Health.DELAYED,
    Health.SYNCING,
    Health.HEALTHY,
]

# One way each condition can hold, as connection fields.
CONDITION: dict[Health, dict[str, Any]] = {
    Health.BROKEN: {"status": {"setup_state": "broken"}},
    Health.INCOMPLETE: {"status": {"setup_state": "incomplete"}},
    Health.FAILING: {
        "succeeded_at": (NOW - timedelta(hours=3)).isoformat(),
        "failed_at": (NOW - timedelta(hours=1)).isoformat(),
    },
    Health.PAUSED: {"paused": True},
    Health.RESCHEDULED: {"status": {"sync_state": "rescheduled"}},
    Health.DELAYED: {"status": {"update_state": "delayed"}},
    Health.SYNCING: {"status": {"sync_state": "syncing"}},
}


def combine(*healths: Health) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": {}}
    for h in healths:
        for key, value in CONDITION[h].items():
            if key == "status":
                fields["status"].update(value)
            else:
                fields[key] = value
    return fields


def compatible(first: Health, second: Health) -> bool:
    """Conditions on the same field (setup_state, sync_state) can't hold together."""
    a, b = CONDITION[first].get("status", {}), CONDITION[second].get("status", {})
    return not (set(a) & set(b))


def test_the_order_is_the_one_in_design() -> None:
    assert list(Health) == ORDER
    assert [h.rank for h in Health] == list(range(8))


def test_a_connection_with_no_condition_is_healthy() -> None:
    assert classify(connection()) is Health.HEALTHY


@pytest.mark.parametrize("health", list(CONDITION))
def test_each_condition_alone_gives_its_health(health: Health) -> None:
    assert classify(connection(**combine(health))) is health


PAIRS = [(a, b) for a, b in itertools.combinations(list(CONDITION), 2) if compatible(a, b)]


@pytest.mark.parametrize(("higher", "lower"), PAIRS, ids=[f"{a}-over-{b}" for a, b in PAIRS])
def test_when_two_conditions_hold_the_earlier_wins(higher: Health, lower: Health) -> None:
    assert classify(connection(**combine(lower, higher))) is higher


@pytest.mark.parametrize("health", list(CONDITION))
def test_a_condition_wins_over_every_later_one_at_once(health: Health) -> None:
    chosen = [health]
    for later in ORDER[ORDER.index(health) + 1 : -1]:
        if all(compatible(later, c) for c in chosen):
            chosen.append(later)
    assert classify(connection(**combine(*chosen))) is health


def test_paused_by_sync_state_alone_is_paused() -> None:
    assert classify(connection(paused=False, status={"sync_state": "paused"})) is Health.PAUSED


@pytest.mark.parametrize(
    ("succeeded", "failed", "expected"),
    [
        (-3, -1, Health.FAILING),  # failed after the last success
        (-1, -3, Health.HEALTHY),  # succeeded since the failure
        (-2, -2, Health.HEALTHY),  # same instant: not later, so not failing
        (None, -1, Health.FAILING),  # failed, never succeeded
        (None, None, Health.HEALTHY),  # never ran
        (-1, None, Health.HEALTHY),
    ],
)
def test_failing_means_the_last_failure_is_later_than_the_last_success(
    succeeded: int | None, failed: int | None, expected: Health
) -> None:
    def at(hours: int | None) -> str | None:
        return None if hours is None else (NOW + timedelta(hours=hours)).isoformat()

    assert classify(connection(succeeded_at=at(succeeded), failed_at=at(failed))) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("failing", Health.FAILING), (" Broken ", Health.BROKEN), ("sad", None), ("", None)],
)
def test_parse_health_reads_names_case_insensitively(text: str, expected: Health | None) -> None:
    assert parse_health(text) is expected


def test_only_syncing_and_healthy_are_not_problems() -> None:
    assert {h for h in Health if not h.is_problem} == {Health.SYNCING, Health.HEALTHY}


def test_pausing_needs_confirmation_only_for_working_connectors() -> None:
    assert {h for h in Health if h.pause_needs_confirm} == {Health.HEALTHY, Health.SYNCING, Health.DELAYED}
