"""The foreground: work handed to `after` waits until no request is being handled, at most `max_wait`."""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import AbstractContextManager

import pytest

from bot.services.pipelines.gcpause import collector_paused
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


def hang(foreground: Foreground) -> AbstractContextManager[None]:
    """A request whose handling never ends, or whose exit was skipped: entered, never left. Returned to be
    kept: dropped, its generator would be closed, and closing it runs the exit."""
    request = foreground.busy()
    request.__enter__()
    return request


async def test_a_request_that_never_ends_holds_each_piece_of_work_back_max_wait_at_most() -> None:
    foreground = Foreground(max_wait=0.02)
    _hung = hang(foreground)
    done: list[str] = []
    foreground.after(lambda: done.append("first"))
    await asyncio.sleep(0.06)
    foreground.after(lambda: done.append("second"))  # after the first deadline: a deadline of its own
    assert done == ["first"]
    await asyncio.sleep(0.06)
    assert done == ["first", "second"] and foreground.active == 1


@pytest.mark.usefixtures("collector_on")
async def test_the_collector_paused_by_a_fetch_resumes_by_max_wait_whatever_the_requests_do() -> None:
    foreground = Foreground(max_wait=0.02)
    _hung = hang(foreground)
    with collector_paused(foreground.after):
        pass
    assert not gc.isenabled()
    await asyncio.sleep(0.06)
    assert gc.isenabled()


async def test_a_request_cancelled_midway_runs_what_waits_behind_it() -> None:
    foreground = Foreground(max_wait=60)
    done: list[str] = []

    async def request() -> None:
        with foreground.busy():
            foreground.after(lambda: done.append("resumed"))
            await asyncio.Event().wait()

    handling = asyncio.create_task(request())
    await settle()
    assert done == [] and foreground.active == 1
    handling.cancel()
    await settle()
    assert handling.cancelled() and done == ["resumed"] and foreground.active == 0


async def test_close_runs_what_waits_behind_requests_still_counted_and_later_work_at_once() -> None:
    foreground = Foreground(max_wait=60)
    _hung = hang(foreground)  # still under way when the bot stops
    done: list[str] = []
    foreground.after(lambda: done.append("resumed"))
    waiter = asyncio.create_task(foreground.behind())
    await settle()

    foreground.close()
    await settle()

    assert done == ["resumed"] and waiter.done()
    foreground.after(lambda: done.append("later"))
    await foreground.behind()  # returns at once
    assert done == ["resumed", "later"]


def test_a_deadline_lost_with_a_closed_loop_is_set_again_on_the_next_loop() -> None:
    foreground = Foreground(max_wait=0.02)
    done: list[str] = []

    hung: list[AbstractContextManager[None]] = []

    async def held() -> None:
        hung.append(hang(foreground))  # the loop stops with this request under way
        foreground.after(lambda: done.append("first loop's"))

    stopped = asyncio.new_event_loop()
    stopped.run_until_complete(held())
    stopped.close()  # its deadline never fires
    assert done == []

    async def next_loop() -> None:
        foreground.after(lambda: done.append("next loop's"))
        await asyncio.sleep(0.06)

    asyncio.run(next_loop())
    assert done == ["first loop's", "next loop's"]  # the deadline on the running loop ran both


def test_with_no_loop_to_wait_in_work_runs_at_once() -> None:
    foreground = Foreground(max_wait=60)
    _hung = hang(foreground)
    done: list[str] = []
    foreground.after(lambda: done.append("now"))
    assert done == ["now"]


def test_at_once_defers_nothing() -> None:
    done: list[str] = []
    at_once(lambda: done.append("now"))
    assert done == ["now"]
