"""The snapshot cache: one shared fetch for concurrent callers, a TTL on an injected clock, no caching of
failures, changes folded in, and a caller who gives up not cancelling everyone's fetch."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.fivetran.errors import ServerError, Timeout
from bot.services.pipelines.health import Health
from bot.services.pipelines.snapshot import SnapshotCache
from tests.blocks.factory import connection, group, snapshot
from tests.fakes import FakeClock
from tests.services.fakes import FakeFivetran

FETCHED = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)
TTL = 30.0


@pytest.fixture
def fivetran() -> FakeFivetran:
    return FakeFivetran(
        [connection(id="a", schema="alpha"), connection(id="b", schema="beta", group_id="lake_id")],
        [group(), group("lake_id", "lake")],
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache(fivetran: FakeFivetran, clock: FakeClock) -> SnapshotCache:
    return SnapshotCache(fivetran.as_client(), ttl=TTL, clock=clock.timestamp, now=lambda: FETCHED)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_fetch_reads_groups_and_connections(cache: SnapshotCache, fivetran: FakeFivetran) -> None:
    got = await cache.get()
    assert set(got.connections) == {"a", "b"}
    assert set(got.groups) == {"warehouse_id", "lake_id"}
    assert got.fetched_at == FETCHED
    assert got.health == {"a": Health.HEALTHY, "b": Health.HEALTHY}
    assert fivetran.count("list_groups") == fivetran.count("list_connections") == 1


async def test_concurrent_callers_share_one_fetch(cache: SnapshotCache, fivetran: FakeFivetran) -> None:
    fivetran.gate = asyncio.Event()
    callers = [asyncio.create_task(cache.get()) for _ in range(10)]
    await settle()
    assert fivetran.count("list_connections") == 1
    fivetran.gate.set()
    results = await asyncio.gather(*callers)
    assert all(r is results[0] for r in results)
    assert fivetran.count("list_connections") == 1
    assert cache.fetches == 1


async def test_a_snapshot_is_reused_within_the_ttl(
    cache: SnapshotCache, fivetran: FakeFivetran, clock: FakeClock
) -> None:
    first = await cache.get()
    clock.advance(TTL)
    assert await cache.get() is first
    assert fivetran.count("list_connections") == 1


async def test_a_snapshot_older_than_the_ttl_is_fetched_again(
    cache: SnapshotCache, fivetran: FakeFivetran, clock: FakeClock
) -> None:
    first = await cache.get()
    clock.advance(TTL + 0.01)
    assert await cache.get() is not first
    assert fivetran.count("list_connections") == 2


async def test_max_age_asks_for_a_fresher_snapshot_than_the_ttl(
    cache: SnapshotCache, fivetran: FakeFivetran, clock: FakeClock
) -> None:
    await cache.get()
    clock.advance(10)
    await cache.get()
    assert fivetran.count("list_connections") == 1
    await cache.get(max_age=5)
    assert fivetran.count("list_connections") == 2


async def test_a_failed_fetch_is_not_cached_and_the_next_call_retries(
    cache: SnapshotCache, fivetran: FakeFivetran
) -> None:
    fivetran.fail["list_connections"] = [ServerError("boom", status_code=503)]
    with pytest.raises(ServerError):
        await cache.get()
    assert cache.peek() is None
    got = await cache.get()
    assert set(got.connections) == {"a", "b"}
    assert fivetran.count("list_connections") == 2


async def test_a_failed_groups_fetch_fails_the_snapshot(cache: SnapshotCache, fivetran: FakeFivetran) -> None:
    fivetran.fail["list_groups"] = [Timeout("slow")]
    with pytest.raises(Timeout):
        await cache.get()
    assert (await cache.get()).groups


async def test_every_concurrent_caller_sees_the_shared_failure(
    cache: SnapshotCache, fivetran: FakeFivetran
) -> None:
    fivetran.gate = asyncio.Event()
    fivetran.gate.set()
    fivetran.fail["list_connections"] = ServerError("boom", status_code=500)
    results = await asyncio.gather(*(cache.get() for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, ServerError) for r in results)
    assert fivetran.count("list_connections") == 1


async def test_update_folds_a_changed_connection_in_without_fetching(
    cache: SnapshotCache, fivetran: FakeFivetran
) -> None:
    before = await cache.get()
    paused = before.connections["a"].model_copy(update={"paused": True})
    cache.update(paused)
    after = await cache.get()
    assert after.connections["a"].paused is True
    assert after.health["a"] is Health.PAUSED
    assert after.connections["b"] is before.connections["b"]
    assert after.fetched_at == before.fetched_at
    assert before.connections["a"].paused is False  # the old snapshot is not changed under its readers
    assert fivetran.count("list_connections") == 1


async def test_a_refetch_keeps_the_objects_of_connections_that_did_not_change(
    cache: SnapshotCache, fivetran: FakeFivetran, clock: FakeClock
) -> None:
    before = await cache.get()
    # the next pages decode into new objects: equal ones for b, a broken a
    fivetran.connections = {
        "a": connection(id="a", schema="alpha", status={"setup_state": "broken"}),
        "b": before.connections["b"].model_copy(deep=True),
    }
    assert fivetran.connections["b"] is not before.connections["b"]
    clock.advance(TTL + 1)
    after = await cache.get()
    assert after.connections["b"] is before.connections["b"]  # what the watcher skips by identity
    assert after.connections["a"] is fivetran.connections["a"]
    assert after.health == {"a": Health.BROKEN, "b": Health.HEALTHY}


async def test_update_adds_a_connection_the_snapshot_did_not_have(cache: SnapshotCache) -> None:
    await cache.get()
    cache.update(connection(id="new", schema="gamma", status={"setup_state": "broken"}))
    got = await cache.get()
    assert got.health["new"] is Health.BROKEN


def test_update_before_any_fetch_keeps_nothing(cache: SnapshotCache) -> None:
    cache.update(connection(id="a"))
    assert cache.peek() is None


async def test_invalidate_forces_the_next_get_to_fetch(cache: SnapshotCache, fivetran: FakeFivetran) -> None:
    first = await cache.get()
    cache.invalidate()
    assert cache.peek() is first  # still there for views that say "as of …"
    assert await cache.get() is not first
    assert fivetran.count("list_connections") == 2


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch(
    cache: SnapshotCache, fivetran: FakeFivetran
) -> None:
    fivetran.gate = asyncio.Event()
    leaving = asyncio.create_task(cache.get())
    staying = asyncio.create_task(cache.get())
    await settle()
    leaving.cancel()
    await settle()
    assert leaving.cancelled()
    fivetran.gate.set()
    got = await staying
    assert set(got.connections) == {"a", "b"}
    assert fivetran.count("list_connections") == 1


async def test_a_fetch_whose_only_caller_left_still_fills_the_cache(
    cache: SnapshotCache, fivetran: FakeFivetran
) -> None:
    fivetran.gate = asyncio.Event()
    leaving = asyncio.create_task(cache.get())
    await settle()
    leaving.cancel()
    await settle()
    fivetran.gate.set()
    await settle()
    assert cache.peek() is not None
    await cache.get()
    assert fivetran.count("list_connections") == 1


async def test_a_change_folded_in_during_a_fetch_survives_that_fetch(
    cache: SnapshotCache, fivetran: FakeFivetran, clock: FakeClock
) -> None:
    await cache.get()
    clock.advance(TTL + 1)
    fivetran.gate = asyncio.Event()
    viewer = asyncio.create_task(cache.get())  # Fivetran answers with the list as it was before the pause
    await settle()
    cache.update(fivetran.connections["a"].model_copy(update={"paused": True}))  # the bot paused "a"
    fivetran.gate.set()
    await viewer
    assert (await cache.get()).connections["a"].paused is True


async def test_invalidate_during_a_fetch_still_forces_a_new_fetch(
    cache: SnapshotCache, fivetran: FakeFivetran, clock: FakeClock
) -> None:
    fivetran.gate = asyncio.Event()
    viewer = asyncio.create_task(cache.get())
    await settle()
    cache.invalidate()  # e.g. ConnectorActions.refresh after a change it could not re-read
    fivetran.gate.set()
    await viewer
    await cache.get()
    assert fivetran.count("list_connections") == 2


def test_a_snapshot_names_a_connections_group_or_falls_back_to_its_id() -> None:
    known = connection(id="a", group_id="warehouse_id")
    orphan = connection(id="b", group_id="gone_id")
    account = snapshot(known, orphan)
    assert account.group_name(known) == "warehouse"
    assert account.group_name(orphan) == "gone_id"


def test_counts_covers_every_health() -> None:
    account = snapshot(connection(id="a"), connection(id="b", paused=True), connection(id="c", paused=True))
    counts = account.counts()
    assert set(counts) == set(Health)
    assert counts[Health.PAUSED] == 2
    assert counts[Health.HEALTHY] == 1
    assert sum(counts.values()) == 3


async def test_the_replaced_snapshot_and_the_collector_wait_for_the_defer(
    fivetran: FakeFivetran, clock: FakeClock
) -> None:
    """What the answers need not wait for is handed to `defer`: freeing the snapshot a fetch replaced,
    and resuming the cyclic collector paused for the fetch."""
    later: list[Callable[[], None]] = []
    cache = SnapshotCache(
        fivetran.as_client(), ttl=TTL, clock=clock.timestamp, now=lambda: FETCHED, defer=later.append
    )
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        first = weakref.ref(await cache.get())
        for work in later:  # the first fetch replaced nothing; the collector resumes
            work()
        later.clear()
        assert gc.isenabled()
        cache.invalidate()
        second = await cache.get()
        assert second is not first() and first() is not None  # still held, and the collector off
        assert not gc.isenabled() and len(later) == 2
        for work in later:
            work()
        later.clear()
        assert first() is None and gc.isenabled()
        assert cache.peek() is second
    finally:
        if not was_enabled:
            gc.disable()
