from __future__ import annotations

from datetime import timedelta

import pytest

from bot.blocks.health import EMOJI, LABEL, badge, counts_line, next_step
from bot.services.pipelines.health import Health, classify
from tests.blocks.factory import NOW, connection


def test_every_health_has_an_emoji_and_a_label() -> None:
    assert set(EMOJI) == set(Health) == set(LABEL)
    assert len(set(EMOJI.values())) == len(Health), "two healths must not look the same"


def test_badge_is_emoji_then_label() -> None:
    assert badge(Health.BROKEN) == ":red_circle: Broken"
    assert badge(Health.HEALTHY) == ":large_green_circle: Healthy"


def test_counts_line_names_only_the_healths_present_in_health_order() -> None:
    counts = {Health.HEALTHY: 39, Health.FAILING: 1, Health.BROKEN: 2}
    assert counts_line(counts, 42) == "42 connectors · 2 broken · 1 failing · 39 healthy"
    assert counts_line({}, 1) == "1 connector"


def test_broken_next_step_quotes_the_first_task_escaped() -> None:
    c = connection(
        status={"setup_state": "broken", "tasks": [{"code": "x", "message": "Re-auth <!channel>"}]}
    )
    assert next_step(c, classify(c), now=NOW) == "Fix the task in Fivetran: Re-auth &lt;!channel&gt;"


def test_rescheduled_next_step_says_until_when() -> None:
    at = NOW + timedelta(hours=2, minutes=5)
    c = connection(status={"sync_state": "rescheduled", "rescheduled_for": at.isoformat()})
    assert next_step(c, Health.RESCHEDULED, now=NOW) == (
        "Waits for the source's API quota until "
        "<!date^1778335500^{date_short_pretty} {time}|2026-05-09 14:05 UTC> (in 2h 5m)"
    )


@pytest.mark.parametrize(
    ("health", "step"),
    [
        (Health.INCOMPLETE, "Finish the setup in Fivetran, then run setup tests"),
        (Health.FAILING, "Check the failure and sync"),
        (Health.PAUSED, "Resume when ready"),
        (Health.DELAYED, "Data is late: check the source, or sync now"),
        (Health.SYNCING, "Nothing to do: a sync is running"),
        (Health.HEALTHY, "Nothing to do"),
    ],
)
def test_next_step_per_health(health: Health, step: str) -> None:
    assert next_step(connection(), health, now=NOW) == step
