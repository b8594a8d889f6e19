"""The watcher's memo of quiet comparisons: a connection whose snapshot object, stored state object and
health are those of a quiet last poll is not observed again; anything else is, including a state another
replica wrote into the shared table."""

from __future__ import annotations

from bot.services.alerts.events import AlertKind
from bot.services.pipelines.health import Health
from bot.storage.db import Database
from tests.blocks.factory import connection
from tests.fakes import FakeClock

from .fakes import Replica, many, snapshot


async def test_a_quiet_poll_of_the_same_objects_observes_nothing(database: Database) -> None:
    replica = Replica(database, FakeClock(), *many(5))
    assert (await replica.watcher.poll_once()).observed == 5  # the baseline
    assert (await replica.watcher.poll_once()).observed == 5  # the stored rows, read for the first time
    quiet = await replica.watcher.poll_once()
    assert quiet.observed == 0 and quiet.events == []


async def test_a_changed_object_is_observed_and_its_change_told(database: Database) -> None:
    connections = many(3)
    replica = Replica(database, FakeClock(), *connections)
    for _ in range(3):
        await replica.watcher.poll_once()
    paused = connections[1].model_copy(update={"paused": True})
    replica.show(connections[0], paused, connections[2])
    result = await replica.watcher.poll_once()
    assert result.observed == 1
    assert [(e.connection_id, e.kind) for e in result.events] == [("c1", AlertKind.PAUSED)]
    # an equal copy is a new object: observed, found unchanged, remembered again
    replica.show(connections[0], paused.model_copy(), connections[2])
    again = await replica.watcher.poll_once()
    assert again.events == []
    assert again.observed == 1  # only c1: a new object (and a new stored row, the pause)
    assert (await replica.watcher.poll_once()).observed == 0


async def test_a_changed_health_with_the_same_object_is_observed(database: Database) -> None:
    (one,) = many(1)
    replica = Replica(database, FakeClock(), one)
    for _ in range(3):
        await replica.watcher.poll_once()
    replica.snapshots.snapshot = snapshot(one, health={one.id: Health.DELAYED})
    result = await replica.watcher.poll_once()
    assert result.observed == 1 and result.events == []  # health alone moves, and no event is made of it


async def test_a_replica_that_missed_a_break_still_tells_the_recovery(database: Database) -> None:
    clock = FakeClock()
    healthy = connection(id="c0")
    a = Replica(database, clock, healthy)
    b = Replica(database, clock, healthy)
    for _ in range(3):  # a has remembered c0 as quiet, with this very object
        await a.watcher.poll_once()
    assert (await a.watcher.poll_once()).observed == 0
    # while a was not looking, b saw the break and stored it in the shared table
    b.show(connection(id="c0", status={"setup_state": "broken"}))
    clock.advance(60)
    await b.watcher.poll_once()
    assert [e.kind for e in b.told] == [AlertKind.BROKE]
    # the connector is back as it was: a's snapshot shows the same object it remembered
    clock.advance(60)
    result = await a.watcher.poll_once()
    assert result.observed == 1
    assert [e.kind for e in a.told] == [AlertKind.RECOVERED]
    b.show(healthy)
    clock.advance(60)
    assert (await b.watcher.poll_once()).events == []  # b reads the recovery a stored: nothing new


async def test_the_memo_forgets_connections_that_are_gone(database: Database) -> None:
    connections = many(6)
    replica = Replica(database, FakeClock(), *connections)
    for _ in range(3):
        await replica.watcher.poll_once()
    assert replica.watcher.remembered == 6
    replica.show(*connections[:2])
    await replica.watcher.poll_once()
    assert replica.watcher.remembered == 2
    replica.show(*many(40)[10:])  # thirty new ones, never compared yet: baselines, not remembered
    await replica.watcher.poll_once()
    assert replica.watcher.remembered == 0


async def test_a_held_snapshot_is_compared_again_when_it_is_confirmed(database: Database) -> None:
    connections = many(12)
    replica = Replica(database, FakeClock(), *connections)
    for _ in range(3):
        await replica.watcher.poll_once()
    broken = [c.model_copy(update={"paused": True}) for c in connections]
    replica.show(*broken)
    assert (await replica.watcher.poll_once()).held
    confirmed = await replica.watcher.poll_once()
    assert not confirmed.held and confirmed.observed == 12 and len(confirmed.events) == 12
