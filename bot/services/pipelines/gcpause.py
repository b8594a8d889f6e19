"""The cyclic garbage collector paused while a snapshot is built.

A snapshot is tens of thousands of new container objects for 10,000 connections (each connection, the
statuses and notices that differ, the snapshot's maps…), none of them in a cycle. Built with the collector on, they push the long-lived generation past
its 25 % growth rule and a full collection (~100 ms over the whole process) lands in the middle of the
`/hvr list` that asked for them. Paused, they are scanned once, young, when it resumes; the full pass comes
later, off the answer's path. Refcounting still frees everything meanwhile: only cycles wait.

That first pass over a fresh snapshot's young objects is itself ~15 ms: the fetch's pause hands its resume to
a `Defer` (the foreground's `after`), so that it runs once the answers waiting on the snapshot are out.
A resume the `Defer` never runs (lost with a loop that stopped) would leave the collector off for good: one
not run within `OVERDUE_S` is run by the next pause, and one a `Defer` refused is run at once.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

# A backstop far past the foreground's `max_wait` (2 s), which runs the deferred resume in the normal case.
OVERDUE_S = 60.0

_paused = 0  # fetches under way (several sources fetch at once); the collector resumes after the last
_was_enabled = False


def _resume() -> None:
    global _paused
    _paused -= 1
    if _paused == 0 and _was_enabled:
        gc.enable()


class _Owed:
    """A resume handed to a `Defer`: made once, by the `Defer` or by a later pause finding it overdue."""

    def __init__(self, due: float) -> None:
        self.due = due

    def settle(self) -> bool:
        """The resume, unless it was made already."""
        if self not in _owed:
            return False
        _owed.remove(self)
        _resume()
        return True

    def __call__(self) -> None:
        """Resumed later, when nobody waits: the pass over the young objects is made now, not at the first
        few hundred allocations of whichever request comes next (the frees meanwhile lowered the count the
        collector goes by, not the objects it has to scan)."""
        if self.settle() and _paused == 0 and gc.isenabled():
            gc.collect(0)


_owed: list[_Owed] = []  # handed to a `Defer`, not run yet


def _settle_overdue() -> None:
    moment = time.monotonic()
    for late in [owed for owed in _owed if owed.due <= moment]:
        log.warning("the collector's deferred resume was not run in time; resumed now")
        late.settle()


@contextmanager
def collector_paused(
    defer: Callable[[Callable[[], None]], None] | None = None, *, overdue_after: float = OVERDUE_S
) -> Iterator[None]:
    """Paused inside; resumed on the way out, or by `defer` (when given) later, the pause held till then
    (`overdue_after` seconds at most: then the next pause resumes it)."""
    global _paused, _was_enabled
    if _owed:
        _settle_overdue()
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
            owed = _Owed(time.monotonic() + overdue_after)
            _owed.append(owed)
            try:
                defer(owed)
            except BaseException:
                owed.settle()  # refused (no loop to wait in, say): resumed now rather than never
                raise
