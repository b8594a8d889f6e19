"""Views over several sources: each row and group names its source, a name in two sources asks which, and
a source that did not answer is said; with one source none of this shows."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.blocks.connectors import render_groups, render_list
from bot.blocks.home import render_home
from bot.blocks.prompts import render_ambiguous, render_not_found
from bot.keys import qualify
from bot.services.pipelines.resolve import Ambiguous, Found, Missing, resolve, resolve_group
from bot.services.pipelines.selectors import Selector, parse_selector_text, select, source_counts
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.services.pipelines.sources import merge
from tests.blocks.checks import assert_safe
from tests.blocks.factory import NOW, connection, group


def _source(name: str, *names: str) -> AccountSnapshot:
    conns = [connection(id=qualify(name, f"{n}_id"), group_id=qualify(name, "wh"), schema=n) for n in names]
    return AccountSnapshot(
        groups={qualify(name, "wh"): group(qualify(name, "wh"), "warehouse")},
        connections={c.id: c for c in conns},
        fetched_at=NOW - timedelta(minutes=1),
        sources=(name,),
    )


BOTH = merge(
    ("prod", "staging"),
    {"prod": _source("prod", "orders", "users"), "staging": _source("staging", "orders")},
    {},
)


def _text(message: object) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_a_name_in_two_sources_is_ambiguous_and_the_question_names_each_source() -> None:
    found = resolve(BOTH, "orders")
    assert isinstance(found, Ambiguous)
    assert [c.id for c in found.candidates] == ["prod:orders_id", "staging:orders_id"]
    message = render_ambiguous(found, BOTH)
    assert_safe(message)
    text = _text(message.blocks)
    assert "is in several sources" in text and "`source:name`" in text
    assert "prod:warehouse/orders" in text and "staging:warehouse/orders" in text


def test_a_source_prefix_picks_that_sources_pipeline_by_name_group_or_id() -> None:
    for typed in ("staging:orders", "staging:warehouse/orders", "staging:orders_id", "STAGING:Orders"):
        found = resolve(BOTH, typed)
        assert isinstance(found, Found) and found.connection.id == "staging:orders_id", typed
    assert isinstance(resolve(BOTH, "users"), Found)  # in one source only: no prefix needed
    missing = resolve(BOTH, "staging:users")
    assert isinstance(missing, Missing)


def test_did_you_mean_spans_sources() -> None:
    missing = resolve(BOTH, "ordrs")
    assert isinstance(missing, Missing)
    assert {c.id for c in missing.suggestions} == {"prod:orders_id", "staging:orders_id"}


def test_groups_name_their_source_and_a_shared_group_name_needs_one() -> None:
    text = _text(render_groups(BOTH).blocks)
    assert "prod:warehouse" in text and "staging:warehouse" in text
    assert len(resolve_group(BOTH, "warehouse")) == 2
    assert [g.id for g in resolve_group(BOTH, "staging:warehouse")] == ["staging:wh"]


def test_the_source_selector_and_the_list_totals() -> None:
    only = select(BOTH, parse_selector_text("source:staging"))
    assert [c.id for c in only] == ["staging:orders_id"]
    assert parse_selector_text("source:staging status:failing").as_text() == "source:staging status:failing"
    message = render_list(BOTH, select(BOTH, Selector()), Selector(), page=1, now=NOW)
    assert_safe(message)
    text = _text(message.blocks)
    assert "*prod* · 2 connectors" in text and "*staging* · 1 connector" in text


def test_an_unreachable_source_is_said_in_the_list_and_on_the_home_tab() -> None:
    down = merge(
        ("prod", "staging"), {"prod": _source("prod", "orders")}, {"staging": "it could not be reached."}
    )
    listed = _text(render_list(down, select(down, Selector()), Selector(), page=1, now=NOW).blocks)
    assert "Could not reach *staging*: it could not be reached." in listed
    home = _text(render_home(down, role="viewer", now=NOW))
    assert "Could not reach *staging*" in home


def test_with_one_source_no_row_or_group_names_a_source() -> None:
    one = _source("fivetran", "orders")
    text = _text(render_list(one, select(one, Selector()), Selector(), page=1, now=NOW).blocks)
    text += _text(render_groups(one).blocks)
    assert "fivetran" not in text and "Could not reach" not in text


def test_a_name_not_found_while_a_source_is_down_says_which_source_could_not_be_asked() -> None:
    down = merge(
        ("prod", "staging"), {"prod": _source("prod", "orders")}, {"staging": "it did not answer in time."}
    )
    missing = resolve(down, "events")
    assert isinstance(missing, Missing)
    message = render_not_found(missing, down)
    assert_safe(message)
    assert "Could not reach *staging*: it did not answer in time." in _text(message.blocks)


def test_a_mistyped_source_prefix_says_which_sources_there_are() -> None:
    missing = resolve(BOTH, "stagng:orders")
    assert isinstance(missing, Missing)
    message = render_not_found(missing, BOTH)
    assert_safe(message)
    assert "There is no source `stagng`; the sources are `prod`, `staging`." in _text(message.blocks)
    assert "There is no source" not in _text(render_not_found(Missing("a:b", []), _source("fivetran")).blocks)


def test_the_home_tab_says_each_sources_totals_from_kept_counts_as_from_its_own() -> None:
    kept = source_counts(BOTH, Selector())
    home = render_home(BOTH, role="viewer", now=NOW, by_source=kept)

    assert home == render_home(BOTH, role="viewer", now=NOW)
    assert "*prod* · 2 connectors" in _text(home) and "*staging* · 1 connector" in _text(home)
