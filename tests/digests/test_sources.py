"""A digest over several sources: counts per source, the source on every row, and a source that did not
answer is said once and never taken for connectors that are gone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, timedelta

from bot.blocks.digest import render_digest
from bot.blocks.message import Message
from bot.services.digests.content import build_digest
from bot.services.pipelines.health import Health
from bot.services.pipelines.selectors import Selector, parse_selector_text
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.services.pipelines.sources import merge
from tests.blocks.checks import assert_safe, mrkdwn_texts
from tests.blocks.factory import NOW, connection, group


def all_text(message: Message) -> str:
    assert_safe(message)
    return "\n".join(mrkdwn_texts(message.blocks))


FAILED = {"failed_at": (NOW - timedelta(hours=1)).isoformat()}


def _source(name: str, *specs: tuple[str, Mapping[str, object]]) -> AccountSnapshot:
    conns = [
        connection(id=f"{name}:{cid}", group_id=f"{name}:wh", schema=cid, **fields) for cid, fields in specs
    ]
    return AccountSnapshot(
        groups={f"{name}:wh": group(f"{name}:wh", "warehouse")},
        connections={c.id: c for c in conns},
        fetched_at=NOW - timedelta(minutes=1),
        sources=(name,),
    )


PROD = _source("prod", ("orders", FAILED), ("users", {}))
STAGING = _source("staging", ("orders", {}), ("users", FAILED), ("events", {}))


def test_counts_are_given_per_source_and_every_problem_row_names_its_source() -> None:
    both = merge(("prod", "staging"), {"prod": PROD, "staging": STAGING}, {})
    content = build_digest(both, Selector(), None, now=NOW, only_problems=False)
    assert [(name, total, dict(counts)) for name, total, counts in content.per_source] == [
        ("prod", 2, {Health.FAILING: 1, Health.HEALTHY: 1}),
        ("staging", 3, {Health.FAILING: 1, Health.HEALTHY: 2}),
    ]
    text = all_text(render_digest(content, now=NOW, tz=UTC))
    assert "*prod* · 2 connectors · 1 failing · 1 healthy" in text
    assert "prod:warehouse" in text and "staging:warehouse" in text


def test_a_source_selector_counts_only_that_source() -> None:
    both = merge(("prod", "staging"), {"prod": PROD, "staging": STAGING}, {})
    content = build_digest(both, parse_selector_text("source:staging"), None, now=NOW, only_problems=False)
    assert content.total == 3 and [p.connection.id for p in content.problems] == ["staging:users"]
    # the sources the selector leaves out are not listed as having nothing
    assert [name for name, _, _ in content.per_source] == ["staging"]


def test_a_source_that_did_not_answer_is_said_and_its_problems_are_neither_gone_nor_forgotten() -> None:
    both = merge(("prod", "staging"), {"prod": PROD, "staging": STAGING}, {})
    first = build_digest(both, Selector(), None, now=NOW, only_problems=False)
    assert first.problem_map() == {"prod:orders": "failing", "staging:users": "failing"}

    down = merge(("prod", "staging"), {"prod": PROD}, {"staging": "it could not be reached."})
    second = build_digest(down, Selector(), first.problem_map(), now=NOW, only_problems=False)
    assert second.gone == () and second.recovered == ()
    assert second.problem_map() == first.problem_map()  # staging's problem is kept for the next digest
    text = all_text(render_digest(second, now=NOW, tz=UTC))
    assert "Could not reach *staging*: it could not be reached." in text
    assert [name for name, _, _ in second.per_source] == ["prod"]


def test_with_one_source_nothing_about_sources_is_said() -> None:
    content = build_digest(PROD, Selector(), None, now=NOW, only_problems=False)
    assert content.per_source == () and content.unreachable == {}
    assert "prod:" not in all_text(render_digest(content, now=NOW, tz=UTC))
