"""The requests a person is waiting on, and the work that can wait behind them.

Everything shares one event loop: the watcher's pass over 10,000 connections, freeing the snapshot a
fetch replaced (~120,000 objects), the cyclic collector's first pass over a fresh snapshot's young objects.
Each is 15–70 ms of CPU that, run when it happens to be due, lands between a `/hvr list`'s last page and
its answer. None of it is needed for the answer, so it runs once no command or button is being handled —
or after `max_wait` seconds at the latest, so that steady traffic delays it but never starves it.

The collector's resume is among that work (`gcpause`): work that never ran would leave the collector off
for the rest of the process. So nothing here waits on a request's exit alone: the deadline runs the work
whatever the requests do (one that never ends, one whose exit was skipped), `close` runs it at shutdown
(the loop may stop with a request still under way, and its timer with it), and with no loop to wait in
the work runs at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

MAX_WAIT_S = 2.0

Defer = Callable[[Callable[[], None]], None]


def at_once(work: Callable[[], None]) -> None:
    """A `Defer` that defers nothing: where no requests are handled (tests of one service, a CLI)."""
    work()


class Foreground:
    def __init__(self, *, max_wait: float = MAX_WAIT_S) -> None:
        self._max_wait = max_wait
        self._active = 0
        self._waiting: list[Callable[[], None]] = []
        self._deadline: asyncio.TimerHandle | None = None
        self._deadline_loop: asyncio.AbstractEventLoop | None = None  # a closed loop's timer never fires
        self._closed = False

    @property
    def active(self) -> int:
        """Requests being handled now."""
        return self._active

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Around the handling of one request, up to its answer having been sent."""
        self._active += 1
        try:
            yield
        finally:
            self._active -= 1
            if self._active == 0:
                self._run_waiting()

    def after(self, work: Callable[[], None]) -> None:
        """Runs `work` (quick, synchronous) once no request is being handled: now if none is, or if no
        loop runs to wait in, or once closed; `max_wait` later at the latest."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self._active == 0 or loop is None or self._closed:
            work()
            return
        self._waiting.append(work)
        if self._deadline is None or self._deadline_loop is not loop:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = loop.call_later(self._max_wait, self._run_waiting)
            self._deadline_loop = loop

    async def behind(self) -> None:
        """Returns once no request is being handled (at once if none is), or after `max_wait`."""
        if self._active == 0 or self._closed:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not done.done():  # the waiter may have been cancelled meanwhile
                done.set_result(None)

        self.after(wake)
        await done

    def close(self) -> None:
        """At shutdown: runs what waits now, whatever requests are still counted (their loop may never
        run them to their exit), and whatever comes after it at once."""
        self._closed = True
        self._run_waiting()

    def _run_waiting(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = self._deadline_loop = None
        waiting, self._waiting = self._waiting, []
        for work in waiting:
            try:
                work()
            except Exception:  # one failing piece of background work must not skip the others
                log.exception("deferred work failed")
