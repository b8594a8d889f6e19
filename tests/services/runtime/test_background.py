"""Work that outlives its request: drained at shutdown, cancelled on demand, failures logged not raised."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.services.runtime.background import Background


async def test_drain_waits_for_every_task() -> None:
    background = Background()
    done: list[str] = []
    gate = asyncio.Event()

    async def work(name: str) -> None:
        await gate.wait()
        done.append(name)

    background.spawn(work("a"), "a")
    background.spawn(work("b"), "b")
    assert background.pending == 2
    asyncio.get_running_loop().call_soon(gate.set)
    assert await background.drain() is True
    assert sorted(done) == ["a", "b"]
    assert background.pending == 0


async def test_drain_waits_for_tasks_started_by_tasks() -> None:
    background = Background()
    done: list[str] = []

    async def child() -> None:
        await asyncio.sleep(0)
        done.append("child")

    async def parent() -> None:
        await asyncio.sleep(0)
        background.spawn(child(), "child")

    background.spawn(parent(), "parent")
    assert await background.drain() is True
    assert done == ["child"]


async def test_drain_reports_unfinished_tasks_after_its_time() -> None:
    background = Background()
    never = asyncio.Event()
    task = background.spawn(never.wait(), "stuck")
    assert await background.drain(within=0.01) is False
    assert background.pending == 1
    assert not task.done()
    await background.cancel_all()
    assert background.pending == 0


async def test_drain_with_nothing_to_do_is_done() -> None:
    assert await Background().drain(within=0) is True


async def test_a_failing_task_is_logged_with_its_name_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    background = Background()

    async def boom() -> None:
        raise RuntimeError("kaput")

    background.spawn(boom(), "follow decidedly_conventional")
    with caplog.at_level(logging.ERROR, logger="bot.services.runtime.background"):
        assert await background.drain() is True
    (record,) = [r for r in caplog.records if r.name == "bot.services.runtime.background"]
    assert record.getMessage() == "background task follow decidedly_conventional failed"
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


async def test_cancel_all_cancels_and_waits_without_logging_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    background = Background()
    never = asyncio.Event()
    tasks = [background.spawn(never.wait(), f"t{i}") for i in range(3)]
    with caplog.at_level(logging.ERROR, logger="bot.services.runtime.background"):
        await background.cancel_all()
    assert all(t.cancelled() for t in tasks)
    assert background.pending == 0
    assert not [r for r in caplog.records if r.name == "bot.services.runtime.background"]
