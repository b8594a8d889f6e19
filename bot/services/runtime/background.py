"""Work that outlives the request that started it (following a sync, posting a bulk report), and work
that runs again and again (`Periodic`).

Tracked so that shutdown can wait for it or cancel it, the shell can exit once it is done, and a crash in
one task is logged with its name instead of vanishing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.clock import Sleep

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, within: float | None = None) -> bool:
        """Wait for every task (and the ones they start); True when all finished in time."""
        loop = asyncio.get_running_loop()
        deadline = None if within is None else loop.time() + within
        while self._tasks:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=remaining)
        return True

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# How long `Periodic.stop` lets a pass under way finish: a watcher's poll or a deliverer's pass, which
# each end in seconds, not a hung request (the clients' own timeouts end those).
STOP_GRACE_S = 5.0

# What a pass of a `Periodic` returns: seconds until the next pass, or None for its usual interval.
Pass = Callable[[], Awaitable[float | None]]
Pause = Callable[[float], Awaitable[object]]


class Periodic:
    """One pass run again and again in a task of its own (the watcher's poll, the incidents' tick, the
    outbox's deliveries and purge), until `stop`.

    A pass that fails is logged and the loop goes on after the usual interval: a database hiccup must not
    end the work, and the next pass does what this one missed. A pass may ask for a shorter wait (0: go
    again at once); `pause` replaces the sleep when the wait can be cut short (the deliverer's wake).
    `wait_first`: the first pass comes after one interval (its owner ran one itself at start)."""

    def __init__(
        self,
        name: str,
        step: Pass,
        *,
        every: float,
        sleep: Sleep = asyncio.sleep,
        pause: Pause | None = None,
        wait_first: bool = False,
        grace: float = STOP_GRACE_S,
    ) -> None:
        self.name = name
        self._wait_first = wait_first
        self.every = every
        self._step = step
        self._pause: Pause = pause or sleep
        self._grace = grace
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._in_pass = False

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Ends the loop: at once between passes, after the pass under way otherwise (cancelled after
        `grace` seconds at most). A pass cancelled in the middle of a write left SQLite's write lock with a
        connection nobody would end (aiosqlite's thread runs a statement whose caller was cancelled), and
        the writes of the shutdown that followed waited for it 15 s, then failed."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        try:
            if self._in_pass:
                await asyncio.wait({task}, timeout=self._grace)
                if not task.done():
                    log.warning(
                        "%s: its pass did not end within %g s of the stop; cancelled", self.name, self._grace
                    )
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            self._stopping = False

    async def _run(self) -> None:
        if self._wait_first:
            await self._pause(self.every)
        while not self._stopping:
            self._in_pass = True
            try:
                wait = await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: a pass failed; the next one tries again", self.name)
                wait = None
            finally:
                self._in_pass = False
            if self._stopping:
                return
            wait = self.every if wait is None else wait
            if wait > 0:
                await self._pause(wait)
