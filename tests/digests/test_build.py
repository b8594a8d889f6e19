from __future__ import annotations

from datetime import timedelta

from bot.services.digests.service import build_digest
from bot.services.pipelines.health import Health
from bot.services.pipelines.selectors import Selector
from tests.blocks.factory import NOW, connection, group, snapshot

FAILING = {"failed_at": (NOW - timedelta(hours=1)).isoformat()}
BROKEN = {"status": {"setup_state": "broken", "tasks": [{"code": "x", "message": "Re-authorize"}]}}


def test_counts_and_problems_follow_the_selector_in_health_order() -> None:
    snap = snapshot(
        connection(id="a", schema="a"),
        connection(id="b", schema="b", **FAILING),
        connection(id="c", schema="c", **BROKEN),
        connection(id="d", schema="d", group_id="other", **BROKEN),
        groups=[group(), group("other", "lake")],
    )
    content = build_digest(snap, Selector(groups=("warehouse",)), None, now=NOW, only_problems=False)
    assert content.total == 3
    assert content.counts[Health.HEALTHY] == 1 and content.counts[Health.BROKEN] == 1
    assert [p.connection.id for p in content.problems] == ["c", "b"]
    assert not content.has_previous and content.new_problems == ()
    assert content.problem_map() == {"c": "broken", "b": "failing"}


def test_new_problems_recoveries_changes_and_removals_against_the_previous_digest() -> None:
    previous = {"healed": "failing", "worse": "failing", "same": "paused", "deleted": "broken"}
    snap = snapshot(
        connection(id="healed", schema="healed"),
        connection(id="worse", schema="worse", **BROKEN),
        connection(id="same", schema="same", paused=True, status={"sync_state": "paused"}),
        connection(id="fresh", schema="fresh", **FAILING),
    )
    content = build_digest(snap, Selector(), previous, now=NOW, only_problems=False)
    assert [p.connection.id for p in content.new_problems] == ["worse", "fresh"]
    assert [(c.connection_id, c.before, c.after) for c in content.recovered] == [
        ("healed", Health.FAILING, Health.HEALTHY)
    ]
    assert [(c.connection_id, c.after) for c in content.changed] == [("worse", Health.BROKEN)]
    assert [c.connection_id for c in content.gone] == ["deleted"]


def test_an_account_with_no_problems_is_all_healthy_even_while_syncing() -> None:
    snap = snapshot(connection(id="a"), connection(id="b", status={"sync_state": "syncing"}))
    content = build_digest(snap, Selector(), {}, now=NOW, only_problems=True)
    assert content.all_healthy and content.total == 2 and content.only_problems
