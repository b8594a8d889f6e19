"""A snapshot fetched from a source that hands its connections over a page at a time (`PagedSource`):
each page compared, classified and sorted as it comes, and the snapshot the same as one built at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.fivetran.errors import ServerError, Timeout
from bot.fivetran.models import Connection, Group
from bot.services.pipelines.selectors import Selector, counts_of, parse_selector_text, select
from bot.services.pipelines.snapshot import AccountSnapshot, SnapshotCache
from bot.services.pipelines.source import PagedSource
from tests.blocks.factory import make_snapshot
from tests.fakes import FakeClock
from tests.services.fakes import FakeFivetran

FETCHED = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)


class PagedFivetran(FakeFivetran):
    """Pages of `page_size`; the groups answer once `groups_after` pages are out (the groups request can
    come back after the first connections pages); `fail_at` fails the fetch at that page."""

    def __init__(self, connections: Sequence[Connection], groups: Sequence[Group], page_size: int) -> None:
        super().__init__(connections, groups)
        self.page_size = page_size
        self.groups_after = 0
        self.fail_at: int | None = None
        self.pages_out = 0
        self._page_out = asyncio.Event()
        self.pages: list[list[Connection]] | None = None  # these instead of `connections`, when set

    async def list_groups(self) -> list[Group]:
        while self.pages_out < self.groups_after:
            self._page_out.clear()
            await self._page_out.wait()
        return await super().list_groups()

    async def connection_pages(self) -> AsyncIterator[Sequence[Connection]]:
        self._call("connection_pages")
        found = list(self.connections.values())
        pages = self.pages or [found[i : i + self.page_size] for i in range(0, len(found), self.page_size)]
        for index, page in enumerate(pages):
            if index == self.fail_at:
                raise ServerError("boom", status_code=503)
            await asyncio.sleep(0)  # the round trip
            self.pages_out += 1
            self._page_out.set()
            yield list(page)


ACCOUNT = make_snapshot(250, seed=4, n_groups=6)


def paged(page_size: int = 60) -> PagedFivetran:
    return PagedFivetran(list(ACCOUNT.connections.values()), list(ACCOUNT.groups.values()), page_size)


def cache_of(fivetran: FakeFivetran, clock: FakeClock | None = None) -> SnapshotCache:
    timestamp = (clock or FakeClock()).timestamp
    return SnapshotCache(fivetran.as_client(), ttl=30.0, clock=timestamp, now=lambda: FETCHED)


def sorted_at_once(account: AccountSnapshot) -> AccountSnapshot:
    """The same snapshot without the fetch's order: its selections sorted in one pass."""
    return replace(account, selections={}, ordered=None)


def test_the_fake_is_a_paged_source_and_the_plain_one_is_not() -> None:
    assert isinstance(paged(), PagedSource)
    assert not isinstance(FakeFivetran(), PagedSource)


@pytest.mark.parametrize("groups_after", [0, 2, 5])
async def test_a_paged_fetch_gives_the_order_and_counts_of_a_sort_at_once(groups_after: int) -> None:
    fivetran = paged()
    fivetran.groups_after = groups_after  # 5: the groups come after the last of the 5 pages
    got = await cache_of(fivetran).get()

    assert fivetran.count("connection_pages") == 1 and fivetran.count("list_connections") == 0
    assert list(got.connections) == list(ACCOUNT.connections)
    assert got.health == ACCOUNT.health
    assert got.ordered is not None
    reference = sorted_at_once(got)
    for text in ("", "status:failing", "group:dest_1 service:stripe"):
        selector = parse_selector_text(text)
        assert [c.id for c in select(got, selector)] == [c.id for c in select(reference, selector)]
        assert counts_of(got, selector) == counts_of(reference, selector)


async def test_a_source_that_lists_at_once_is_sorted_by_the_fetch_too() -> None:
    fivetran = FakeFivetran(list(ACCOUNT.connections.values()), list(ACCOUNT.groups.values()))
    got = await cache_of(fivetran).get()

    assert got.ordered is not None
    assert [c.id for c in select(got, Selector())] == [c.id for c in select(sorted_at_once(got), Selector())]


async def test_a_connection_on_two_pages_keeps_its_first_place_and_the_list_is_sorted_at_once() -> None:
    """The account changed between two pages: the one connection is kept once (the later object, in the
    earlier place), and the list order is the one-pass sort's, not one with it twice."""
    fivetran = paged()
    rows = list(ACCOUNT.connections.values())
    moved = rows[3].model_copy(update={"paused": True})
    fivetran.pages = [rows[:100], [*rows[100:200], moved], rows[200:]]
    got = await cache_of(fivetran).get()

    assert list(got.connections) == list(ACCOUNT.connections)
    assert got.connections[moved.id] is moved
    assert got.ordered is None
    listed = select(got, Selector())
    assert len(listed) == 250
    assert [c.id for c in listed] == [c.id for c in select(sorted_at_once(got), Selector())]


async def test_a_refetch_through_pages_keeps_the_objects_that_did_not_change() -> None:
    fivetran = paged()
    clock = FakeClock()
    cache = cache_of(fivetran, clock)
    before = await cache.get()
    rows = [c.model_copy(deep=True) for c in ACCOUNT.connections.values()]
    rows[7] = rows[7].model_copy(update={"paused": True})
    fivetran.connections = {c.id: c for c in rows}
    clock.advance(31)
    after = await cache.get()

    changed = rows[7].id
    assert all(after.connections[k] is before.connections[k] for k in after.connections if k != changed)
    assert after.connections[changed] is rows[7]
    assert after.ordered is not None and rows[7] in after.ordered.connections


async def test_a_failed_page_fails_the_fetch_and_the_next_call_fetches_again() -> None:
    fivetran = paged()
    fivetran.fail_at = 2
    cache = cache_of(fivetran)
    with pytest.raises(ServerError):
        await cache.get()
    assert cache.peek() is None

    fivetran.fail_at = None
    assert len((await cache.get()).connections) == 250


async def test_failed_groups_fail_a_paged_fetch_though_its_pages_came() -> None:
    fivetran = paged()
    fivetran.fail["list_groups"] = [Timeout("slow")]
    with pytest.raises(Timeout):
        await cache_of(fivetran).get()
