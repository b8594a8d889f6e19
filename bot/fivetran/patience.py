"""How long one command waits for Fivetran, over all its requests and their retries.

A request alone is bounded by the transport's timeouts (30 s read) and retries (4 attempts): a read could
take two minutes before anyone hears of it. A command opens a `Patience` around its work; while it is
open, every request the command sends is cut to what is left of it, and no retry starts that could not
finish inside it. It travels in a context variable because the request is sent several calls below the
command (resolve, snapshot, client, transport) and those are shared by every command at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

# What a person waits at most for an answer; the transport's timeouts and retries are cut to fit.
COMMAND_WAIT_S = 45.0


@dataclass
class Patience:
    clock: Callable[[], float]
    until: float
    waiting: int = 0  # requests of this command in flight now
    closed: bool = False  # the command has ended; a task it started lives on unbounded

    def remaining(self) -> float:
        return self.until - self.clock()


_current: ContextVar[Patience | None] = ContextVar("fivetran_patience", default=None)


@contextmanager
def patience(seconds: float, clock: Callable[[], float]) -> Iterator[Patience]:
    opened = Patience(clock, clock() + seconds)
    token = _current.set(opened)
    try:
        yield opened
    finally:
        # A background task (a followed sync) copied the context: closing, not only resetting, frees it.
        opened.closed = True
        _current.reset(token)


@contextmanager
def unbounded() -> Iterator[None]:
    """Work a command hands to the background that may take longer than anyone waits for an answer
    (a schema reload): its requests are bounded by their own timeouts only."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Patience | None:
    found = _current.get()
    return None if found is None or found.closed else found
