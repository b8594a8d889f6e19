"""The foreground: work handed to `after` waits until no request is being handled, at most `max_wait`."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.services.runtime.foreground import Foreground, at_once


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_work_runs_at_once_when_no_request_is_being_handled() -> None:
    foreground = Foreground()
    done: list[str] = []
    foreground.after(lambda: done.append("freed"))
    assert done == ["freed"]
    await foreground.behind()  # returns without waiting


async def test_work_waits_for_the_last_of_the_requests_and_runs_in_order() -> None:
    foreground = Foreground(max_wait=60)
    done: list[str] = []
    with foreground.busy():
        with foreground.busy():
            foreground.after(lambda: done.append("first"))
            assert foreground.active == 2
        foreground.after(lambda: done.append("second"))
        assert done == []
    assert done == ["first", "second"] and foreground.active == 0


async def test_work_runs_after_max_wait_when_requests_never_stop() -> None:
    foreground = Foreground(max_wait=0.01)
    done: list[str] = []
    with foreground.busy():
        foreground.after(lambda: done.append("freed"))
        await asyncio.sleep(0.05)
        assert done == ["freed"]
    assert done == ["freed"]  # not run a second time when the request ends


async def test_behind_waits_until_the_request_is_answered() -> None:
    foreground = Foreground(max_wait=60)
    with foreground.busy():
        waiter = asyncio.create_task(foreground.behind())
        await settle()
        assert not waiter.done()
    await settle()
    assert waiter.done()


async def test_a_cancelled_waiter_does_not_hold_up_the_others() -> None:
    foreground = Foreground(max_wait=60)
    with foreground.busy():
        gone = asyncio.create_task(foreground.behind())
        waiter = asyncio.create_task(foreground.behind())
        await settle()
        gone.cancel()
        await settle()
    await settle()
    assert gone.cancelled() and waiter.done() and waiter.exception() is None


async def test_failing_work_is_logged_and_the_rest_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    foreground = Foreground(max_wait=60)
    done: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR), foreground.busy():
        foreground.after(broken)
        foreground.after(lambda: done.append("after"))
    assert done == ["after"]
    assert "deferred work failed" in caplog.text


def test_at_once_defers_nothing() -> None:
    done: list[str] = []
    at_once(lambda: done.append("now"))
    assert done == ["now"]
