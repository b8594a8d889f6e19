"""The list order put together page by page (`Presort`) is the one a single sort of the whole snapshot
gives: the same connections in the same order, ties in the order the pages brought them, the same counts."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from bot.fivetran.models import Connection
from bot.keys import qualify
from bot.services.pipelines.health import Health
from bot.services.pipelines.order import Presort, list_key
from bot.services.pipelines.selectors import Selector, counts_of, parse_selector_text, select
from bot.services.pipelines.snapshot import AccountSnapshot
from tests.blocks.factory import NOW, connection, group, make_snapshot


def one_pass(account: AccountSnapshot) -> list[Connection]:
    key, _ = list_key(account.health, account.groups, account.several)
    return sorted(account.connections.values(), key=key)


def presorted(account: AccountSnapshot, pages: list[int], *, groups_after: int = 0) -> Presort:
    """The snapshot's connections added in pages of the given sizes; the groups known from page
    `groups_after` on (the groups request may answer after the first connections pages)."""
    presort = Presort(account.health, several=account.several)
    connections = list(account.connections.values())
    start = 0
    for index, size in enumerate(pages):
        presort.add(connections[start : start + size])
        start += size
        if index + 1 >= groups_after:
            presort.place(account.groups)
    assert start == len(connections)
    return presort


def tied() -> AccountSnapshot:
    """Every health, and many connections with one key: same group, same name in another case."""
    kinds: list[dict[str, Any]] = [
        {},
        {"paused": True},
        {"status": {"setup_state": "broken"}},
        {"failed_at": NOW.isoformat()},
    ]
    rows = [
        connection(id=f"c{i:03d}", group_id=f"g{i % 3}", schema=("Orders" if i % 2 else "orders"), **kind)
        for i, kind in enumerate(kinds * 15)
    ]
    groups = [group("g0", "Lake"), group("g1", "lake"), group("g2", "Warehouse")]  # two places alike
    return AccountSnapshot({g.id: g for g in groups}, {c.id: c for c in rows}, NOW)


@pytest.mark.parametrize("pages", [[60], [1] * 60, [7, 13, 1, 39], [30, 30]])
def test_pages_sorted_as_they_come_give_the_one_pass_order_ties_included(pages: list[int]) -> None:
    account = tied()
    got = presorted(account, pages).selection(account.groups)

    assert [c.id for c in got.connections] == [c.id for c in one_pass(account)]
    assert got.counts == account.counts()


def test_pages_that_came_before_the_groups_are_placed_once_they_are_in() -> None:
    account = make_snapshot(500, seed=3, n_groups=7)
    presort = presorted(account, [100, 150, 200, 50], groups_after=3)

    got = presort.selection(account.groups)
    assert [c.id for c in got.connections] == [c.id for c in one_pass(account)]
    assert got.counts == account.counts()


def test_with_several_sources_the_pages_give_the_one_pass_order_by_place() -> None:
    rows = [
        connection(id=qualify(s, f"c{i}"), group_id=qualify(s, f"g{i % 2}"), schema=f"n{i % 4}")
        for s in ("zeta", "alpha")
        for i in range(12)
    ]
    groups = [group(qualify(s, f"g{g}"), f"G{g}") for s in ("zeta", "alpha") for g in range(2)]
    account = AccountSnapshot(
        {g.id: g for g in groups}, {c.id: c for c in rows}, NOW, sources=("zeta", "alpha")
    )

    got = presorted(account, [5, 5, 14]).selection(account.groups)
    assert [c.id for c in got.connections] == [c.id for c in one_pass(account)]


def test_a_random_account_in_random_pages_gives_the_one_pass_order() -> None:
    rng = random.Random(11)
    for seed in range(5):
        account = make_snapshot(400, seed=seed, n_groups=rng.randint(1, 9))
        sizes: list[int] = []
        while sum(sizes) < 400:
            sizes.append(min(rng.randint(1, 120), 400 - sum(sizes)))

        got = presorted(account, sizes, groups_after=rng.randint(0, len(sizes))).selection(account.groups)
        assert [c.id for c in got.connections] == [c.id for c in one_pass(account)]
        assert got.counts == account.counts()


@pytest.mark.parametrize(
    "text",
    ["", "status:failing", "status:broken status:paused", "group:dest_2", "service:stripe 001", "nothing"],
)
def test_a_selection_taken_from_the_fetch_order_is_the_one_a_sort_gives(text: str) -> None:
    """A selector's matches in the presorted order are what a stable sort of its matches gives."""
    unsorted = make_snapshot(300, seed=5)
    account = replace(unsorted, selections={})
    account.ordered = presorted(account, [100, 100, 100]).selection(account.groups)
    selector = parse_selector_text(text)

    assert [c.id for c in select(account, selector)] == [c.id for c in select(unsorted, selector)]
    assert counts_of(account, selector) == counts_of(unsorted, selector)
    assert unsorted.ordered is None  # the reference was sorted in one pass


def test_the_empty_selector_hands_out_the_fetch_order_and_its_counts_as_copies() -> None:
    account = make_snapshot(50, seed=2)
    account.ordered = presorted(account, [50]).selection(account.groups)
    first = select(account, Selector())
    first.clear()
    counts_of(account, Selector())[Health.HEALTHY] = -1

    assert len(select(account, Selector())) == 50
    assert counts_of(account, Selector()) == account.counts()
