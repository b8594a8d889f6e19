"""The watcher pauses the cyclic collector while it reads the stored rows and diffs them, and always
resumes it: after a quiet poll, a failed read, and a poll cancelled in the middle of its read. And while
it observes thousands of connections it lets the loop run: a command's task is not held up by a poll."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from bot.services.alerts.events import AlertEvent
from bot.services.alerts.watcher import OBSERVE_CHUNK, Watcher
from bot.storage.db import Database
from bot.storage.watch_state import WatchState, WatchStateRepo

from .fakes import FixedSnapshots, many, snapshot


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()  # a failing test must not leave the rest of the run without a collector


class Reading(WatchStateRepo):
    """The real repo, noting whether the collector ran during each read; it can fail or wait first."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.collector_on: list[bool] = []
        self.fail: Exception | None = None
        self.entered = asyncio.Event()
        self.gate: asyncio.Event | None = None

    async def get_all(self, source: str | None = None) -> dict[str, WatchState]:
        self.collector_on.append(gc.isenabled())
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return await super().get_all(source)


async def _told(_event: AlertEvent) -> bool:
    return True


def watcher(state: Reading) -> Watcher:
    return Watcher(snapshots=FixedSnapshots(snapshot(*many(3))), state=state, handle=_told, interval=0)


async def test_the_collector_is_paused_while_the_rows_are_read_and_resumed_after(database: Database) -> None:
    state = Reading(database)
    polling = watcher(state)
    await polling.poll_once()
    await polling.poll_once()
    assert state.collector_on == [False, False]
    assert gc.isenabled()


async def test_a_failed_read_resumes_the_collector(database: Database) -> None:
    state = Reading(database)
    state.fail = RuntimeError("the database went away")
    with pytest.raises(RuntimeError):
        await watcher(state).poll_once()
    assert state.collector_on == [False]
    assert gc.isenabled()


async def test_a_poll_cancelled_during_its_read_resumes_the_collector(database: Database) -> None:
    state = Reading(database)
    state.gate = asyncio.Event()  # never set: the read waits until the poll is cancelled
    poll = asyncio.create_task(watcher(state).poll_once())
    await asyncio.wait_for(state.entered.wait(), 5)
    assert not gc.isenabled()
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    assert gc.isenabled()


async def test_a_collector_that_was_off_stays_off(database: Database) -> None:
    gc.disable()
    state = Reading(database)
    await watcher(state).poll_once()
    assert state.collector_on == [False] and not gc.isenabled()


class Timed(WatchStateRepo):
    """The real repo, noting how often another task ran by the end of the read and at the write."""

    def __init__(self, database: Database, ticks: list[int]) -> None:
        super().__init__(database)
        self.ticks = ticks
        self.read_at = self.written_at = -1

    async def get_all(self, source: str | None = None) -> dict[str, WatchState]:
        found = await super().get_all(source)
        self.read_at = self.ticks[0]
        return found

    async def put_many(self, states: Mapping[str, Mapping[str, Any]]) -> None:
        self.written_at = self.ticks[0]
        await super().put_many(states)


async def test_a_first_poll_of_thousands_lets_other_tasks_run_while_it_observes(database: Database) -> None:
    ticks = [0]

    async def other() -> None:  # a command's task, wanting the loop
        while True:
            ticks[0] += 1
            await asyncio.sleep(0)

    state = Timed(database, ticks)
    polling = Watcher(
        snapshots=FixedSnapshots(snapshot(*many(OBSERVE_CHUNK * 2 + 1))),
        state=state,
        handle=_told,
        interval=0,
    )
    running = asyncio.create_task(other())
    try:
        assert (await polling.poll_once()).observed == OBSERVE_CHUNK * 2 + 1
    finally:
        running.cancel()
    # between the read and the write nothing awaits but the diff's own yields, one per chunk observed
    assert state.written_at - state.read_at >= 2
