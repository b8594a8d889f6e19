"""The watcher pauses the cyclic collector while it reads the stored rows and diffs them, and always
resumes it: after a quiet poll, a failed read, and a poll cancelled in the middle of its read."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from bot.services.alerts.events import AlertEvent
from bot.services.alerts.watcher import Watcher
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
