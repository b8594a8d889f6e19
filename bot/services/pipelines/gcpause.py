"""The cyclic garbage collector paused while a snapshot is built.

A snapshot is ~65,000 new container objects for 10,000 connections (each model, its `__dict__`, its
status…), none of them in a cycle. Built with the collector on, they push the long-lived generation past
its 25 % growth rule and a full collection (~100 ms over the whole process) lands in the middle of the
`/hvr list` that asked for them. Paused, they are scanned once, young, when it resumes; the full pass comes
later, off the answer's path. Refcounting still frees everything meanwhile: only cycles wait.

That first pass over a fresh snapshot's young objects is itself ~15 ms: the fetch's pause hands its resume to
a `Defer` (the foreground's `after`), so that it runs once the answers waiting on the snapshot are out.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_paused = 0  # fetches under way (several sources fetch at once); the collector resumes after the last
_was_enabled = False


def _resume() -> None:
    global _paused
    _paused -= 1
    if _paused == 0 and _was_enabled:
        gc.enable()


def _resume_and_sweep() -> None:
    """Resumed later, when nobody waits: the pass over the young objects is made now, not at the first
    few hundred allocations of whichever request comes next (the frees meanwhile lowered the count the
    collector goes by, not the objects it has to scan)."""
    _resume()
    if _paused == 0 and gc.isenabled():
        gc.collect(0)


@contextmanager
def collector_paused(defer: Callable[[Callable[[], None]], None] | None = None) -> Iterator[None]:
    """Paused inside; resumed on the way out, or by `defer` (when given) later, the pause held till then."""
    global _paused, _was_enabled
    if _paused == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _paused += 1
    try:
        yield
    finally:
        if defer is None:
            _resume()
        else:
            defer(_resume_and_sweep)
