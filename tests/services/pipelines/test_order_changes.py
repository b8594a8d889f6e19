"""A snapshot changed one connection at a time (`with_connection`: the bot's own changes, a fetch's
latecomers) keeps its list order (`order.reordered`): the order a sort of the changed snapshot gives, ties
included, with its counts, and each source's counts when it had them."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.fivetran.models import Connection
from bot.keys import qualify
from bot.services.pipelines.health import Health
from bot.services.pipelines.order import Presort, Selection, list_key, reordered
from bot.services.pipelines.selectors import Selector, parse_selector_text, select, source_counts
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.services.pipelines.sources import merge
from tests.blocks.factory import NOW, connection, group

KINDS: list[dict[str, Any]] = [
    {},
    {"paused": True, "status": {"sync_state": "paused"}},
    {"status": {"setup_state": "broken"}},
    {"failed_at": (NOW - timedelta(hours=1)).isoformat()},
    {"status": {"sync_state": "syncing"}},
]
NAMES = ["orders", "Orders", "billing", "zeta"]  # few names, two alike: many equal keys


def presorted(name: str, rng: random.Random, size: int) -> AccountSnapshot:
    groups = [group(qualify(name, f"g{g}"), label) for g, label in enumerate(("Lake", "lake"))]
    rows = [row(name, rng, i) for i in range(size)]
    account = AccountSnapshot({g.id: g for g in groups}, {c.id: c for c in rows}, NOW, sources=(name,))
    presort = Presort(account.health)
    presort.add(rows)
    account.ordered = presort.selection(account.groups)
    return account


def row(source: str, rng: random.Random, i: int) -> Connection:
    return connection(
        id=qualify(source, f"c{i:03d}"),
        group_id=qualify(source, f"g{rng.randrange(3)}"),  # g2 is not listed: its id is the place
        schema=rng.choice(NAMES),
        **rng.choice(KINDS),
    )


def one_pass(account: AccountSnapshot) -> list[str]:
    key, _ = list_key(account.health, account.groups, account.several)
    return [c.id for c in sorted(account.connections.values(), key=key)]


def changed(account: AccountSnapshot, rng: random.Random, source: str) -> Connection:
    """A random change: a known connection with another health, name or group, or a new connection."""
    if rng.random() < 0.2:
        return row(source, rng, 900 + rng.randrange(100))
    was = rng.choice(list(account.connections.values()))
    fresh = row(source, rng, 0)
    return fresh.model_copy(update={"id": was.id})


def some(by_source: dict[str, dict[Health, int]]) -> dict[str, dict[Health, int]]:
    """The sources with a connection: a merge keeps every source's counts, zeros too; a count does not."""
    return {name: tally for name, tally in by_source.items() if sum(tally.values())}


@pytest.mark.parametrize("seed", range(8))
def test_changes_one_at_a_time_keep_the_one_pass_order_and_counts(seed: int) -> None:
    rng = random.Random(seed)
    account = presorted("fivetran", rng, rng.randint(1, 60))
    for _ in range(40):
        account = account.with_connection(changed(account, rng, "fivetran"))

        assert account.ordered is not None
        assert [c.id for c in account.ordered.connections] == one_pass(account)
        assert account.ordered.counts == account.counts()


@pytest.mark.parametrize("seed", range(4))
def test_a_merged_snapshot_changed_keeps_its_order_and_each_sources_counts(seed: int) -> None:
    rng = random.Random(seed)
    names = ("prod-eu", "prod", "analytics")
    account = merge(names, {n: presorted(n, rng, 20) for n in names}, {})
    for _ in range(25):
        source = rng.choice(names)
        account = account.with_connection(changed(account, rng, source))
        reference = replace(account, ordered=None, selections={})

        assert account.ordered is not None
        assert [c.id for c in account.ordered.connections] == one_pass(account)
        for text in ("", "status:paused", "orders"):
            selector = parse_selector_text(text)
            assert [c.id for c in select(account, selector)] == [c.id for c in select(reference, selector)]
            assert some(source_counts(account, selector)) == some(source_counts(reference, selector))


def test_a_connection_not_where_its_key_puts_it_leaves_the_order_to_a_sort() -> None:
    account = presorted("fivetran", random.Random(2), 10)
    assert account.ordered is not None
    stranger = next(iter(account.connections.values())).model_copy(update={"service": "other"})
    rows = tuple(stranger if c.id == stranger.id else c for c in account.ordered.connections)
    old = account.connections[stranger.id]  # not the object in `rows`: it cannot be found there

    def moved(ordered: Selection) -> Selection | None:
        health, groups = account.health, account.groups
        return reordered(
            ordered,
            old,
            old,
            before=health,
            after=health,
            groups=groups,
            several=False,
            connections=account.connections,
        )

    assert moved(Selection(rows, account.ordered.counts)) is None
    assert moved(Selection(account.ordered.connections)) is None  # no counts to adjust
    assert moved(account.ordered) is not None
    assert len(select(replace(account, ordered=None), Selector())) == 10
