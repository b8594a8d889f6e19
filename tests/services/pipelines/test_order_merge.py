"""Several sources' list orders merged without a sort (`order.merged`) are the order one sort of all of them
gives, ties included, with the same counts; a merged snapshot carries it while every source's fetch had one."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.blocks.connectors import render_list
from bot.fivetran.models import Connection
from bot.keys import DEFAULT_SOURCE, qualify, source_of
from bot.services.pipelines.health import Health
from bot.services.pipelines.order import Presort, Selection, list_key, merged
from bot.services.pipelines.selectors import (
    Selector,
    counts_of,
    parse_selector_text,
    select,
    source_counts,
)
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.services.pipelines.sources import merge
from tests.blocks.factory import NOW, connection, group

KINDS: list[dict[str, Any]] = [
    {},
    {},
    {"paused": True, "status": {"sync_state": "paused"}},
    {"status": {"setup_state": "broken"}},
    {"failed_at": (NOW - timedelta(hours=1)).isoformat()},
    {"status": {"sync_state": "syncing"}},
    {"status": {"update_state": "delayed"}},
]
# Names that sort differently with and without the colon after them ("prod-eu:" < "prod:"), and the
# default source, whose keys are bare ids.
NAMES = ("prod", "prod-eu", DEFAULT_SOURCE, "a1", "analytics")


def member(name: str, rng: random.Random, size: int) -> AccountSnapshot:
    """One source's snapshot as its fetch makes it: its own keys, its list order presorted."""
    groups = [group(qualify(name, f"g{g}"), label) for g, label in enumerate(("Lake", "lake", "Warehouse"))]
    rows = [
        connection(
            id=qualify(name, f"c{i:03d}"),
            group_id=qualify(name, f"g{rng.randrange(4)}"),  # g3 is not listed: its id is the place
            schema=rng.choice(["orders", "Orders", "billing", "zeta"]),
            **rng.choice(KINDS),
        )
        for i in range(size)
    ]
    own = AccountSnapshot({g.id: g for g in groups}, {c.id: c for c in rows}, NOW, sources=(name,))
    presort = Presort(own.health)
    presort.add(rows)
    own.ordered = presort.selection(own.groups)
    return own


def one_pass(account: AccountSnapshot) -> list[str]:
    key, _ = list_key(account.health, account.groups, account.several)
    return [c.id for c in sorted(account.connections.values(), key=key)]


def ids(connections: tuple[Connection, ...] | list[Connection]) -> list[str]:
    return [c.id for c in connections]


@pytest.mark.parametrize("seed", range(6))
def test_merged_orders_are_the_one_sort_of_every_source_ties_included(seed: int) -> None:
    rng = random.Random(seed)
    names = rng.sample(NAMES, rng.randint(2, len(NAMES)))  # in configured order, not sorted
    parts = {name: member(name, rng, rng.randint(0, 40)) for name in names}

    account = merge(names, parts, {})
    reference = merge(names, parts, {})
    reference.ordered = None

    assert account.ordered is not None and account.several
    assert ids(account.ordered.connections) == one_pass(reference)
    assert account.ordered.counts == reference.counts()


@pytest.mark.parametrize("text", ["", "status:failing status:paused", "group:lake", "prod-eu:", "orders"])
def test_a_selection_from_the_merged_order_is_the_one_a_sort_gives(text: str) -> None:
    rng = random.Random(7)
    parts = {name: member(name, rng, 30) for name in NAMES}
    account = merge(NAMES, parts, {})
    reference = merge(NAMES, parts, {})
    reference.ordered = None
    selector = parse_selector_text(text)

    assert ids(select(account, selector)) == ids(select(reference, selector))
    assert counts_of(account, selector) == counts_of(reference, selector)


def test_a_source_without_an_order_leaves_the_merge_to_be_sorted_at_once() -> None:
    rng = random.Random(3)
    parts = {name: member(name, rng, 10) for name in ("prod", "staging")}
    unsorted = replace(parts["staging"], ordered=None, selections={})  # as a source listed twice leaves it

    account = merge(("prod", "staging"), {"prod": parts["prod"], "staging": unsorted}, {})
    assert account.ordered is None
    assert len(select(account, Selector())) == 20


def test_an_order_without_counts_is_not_merged() -> None:
    rng = random.Random(4)
    own = member("prod", rng, 5)
    assert own.ordered is not None
    assert merged({"prod": own.ordered, "qa": Selection(own.ordered.connections)}) is None


@pytest.mark.parametrize(
    "text", ["", "status:healthy", "source:prod-eu source:a1", "orders", "nothing-matches"]
)
def test_each_sources_counts_are_kept_with_the_selection_and_render_as_counted_rows_do(text: str) -> None:
    rng = random.Random(9)
    parts = {name: member(name, rng, 25) for name in NAMES}
    account = merge(NAMES, parts, {"qa": "it could not be reached."})
    selector = parse_selector_text(text)
    selected = select(account, selector)

    kept = source_counts(account, selector)
    assert kept == source_counts(account, selector)  # asked again: the kept counts, as a copy
    kept.clear()
    counted: dict[str, dict[Health, int]] = {}
    for c in selected:
        counted.setdefault(source_of(c.id), {h: 0 for h in Health})[account.health[c.id]] += 1
    assert {n: t for n, t in source_counts(account, selector).items() if sum(t.values())} == counted

    def listed(by_source: dict[str, dict[Health, int]] | None) -> Any:
        return render_list(account, selected, selector, page=1, now=NOW, by_source=by_source).blocks

    assert listed(source_counts(account, selector)) == listed(None)


def test_one_source_has_no_counts_of_its_own() -> None:
    account = member("prod", random.Random(1), 5)
    assert source_counts(account, Selector()) == {}


def test_an_order_whose_counts_do_not_add_up_is_not_merged() -> None:
    own = member("prod", random.Random(5), 6)
    assert own.ordered is not None and own.ordered.counts is not None
    short = Selection(own.ordered.connections[1:], own.ordered.counts)  # one row fewer than counted
    assert merged({"prod": own.ordered, "qa": short}) is None
