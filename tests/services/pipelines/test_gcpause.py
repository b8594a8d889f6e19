"""The collector pause shared by the snapshot fetch, the sort and the watcher: nested or overlapping
pauses resume the collector after the last one ends, however it ends, or later by a `Defer`."""

from __future__ import annotations

import gc
from collections.abc import Callable

import pytest

from bot.services.pipelines.gcpause import collector_paused

pytestmark = pytest.mark.usefixtures("collector_on")


def test_paused_inside_and_resumed_on_the_way_out() -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_a_deferred_resume_holds_the_pause_until_it_runs() -> None:
    later: list[Callable[[], None]] = []
    with collector_paused(later.append):
        pass
    assert not gc.isenabled() and len(later) == 1
    with collector_paused():  # a pause meanwhile ends without resuming the deferred one's
        pass
    assert not gc.isenabled()
    later.pop()()
    assert gc.isenabled()


def test_a_deferred_resume_makes_the_young_pass_at_once() -> None:
    later: list[Callable[[], None]] = []
    with collector_paused(later.append):
        young: list[list[int]] = [[] for _ in range(2000)]  # containers the collector tracks
    assert gc.get_count()[0] >= len(young)
    later.pop()()
    assert gc.get_count()[0] < len(young)  # swept now, not at the next request's allocations
    del young


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    later: list[Callable[[], None]] = []
    with collector_paused(later.append):
        pass
    later.pop()()
    assert not gc.isenabled()


def test_overlapping_pauses_resume_after_the_last() -> None:
    outer = collector_paused()
    inner = collector_paused()
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the fetch that started first ends first
    assert not gc.isenabled()
    inner.__exit__(None, None, None)
    assert gc.isenabled()


def test_an_exception_inside_nested_pauses_resumes_the_collector() -> None:
    with pytest.raises(KeyError), collector_paused(), collector_paused():
        assert not gc.isenabled()
        raise KeyError("boom")
    assert gc.isenabled()


def test_a_deferred_resume_never_run_is_made_by_the_next_pause_once_overdue(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lost: list[Callable[[], None]] = []  # a `Defer` whose loop stopped: it never runs what it was given
    with collector_paused(lost.append, overdue_after=0.0):
        pass
    assert not gc.isenabled()
    with collector_paused():  # the next fetch or poll finds it overdue
        assert not gc.isenabled()
    assert gc.isenabled()
    assert "deferred resume was not run in time" in caplog.text
    with collector_paused():
        lost.pop()()  # its `Defer` runs it at last after all: made once already, so this pause holds
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_deferred_resume_not_yet_overdue_is_left_to_its_defer() -> None:
    later: list[Callable[[], None]] = []
    with collector_paused(later.append):  # an hour to run it
        pass
    with collector_paused():
        pass
    assert not gc.isenabled()
    later.pop()()
    assert gc.isenabled()


def test_a_defer_that_refuses_the_resume_has_it_made_at_once() -> None:
    def refuses(work: Callable[[], None]) -> None:
        raise RuntimeError("no running event loop")

    with pytest.raises(RuntimeError, match="no running"), collector_paused(refuses):
        assert not gc.isenabled()
    assert gc.isenabled()
