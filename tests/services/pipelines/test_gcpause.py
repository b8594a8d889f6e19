"""The collector pause shared by the snapshot fetch, the sort and the watcher: nested or overlapping
pauses resume the collector after the last one ends, however it ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.services.pipelines.gcpause import collector_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


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
