"""uvicorn's HTTP protocol with a deadline for receiving a whole request (headers and body).

uvicorn (0.54, h11) times out only an idle keep-alive connection: a client that opens a connection and
trickles a request's headers or body, or sends nothing at all, holds it for ever (slowloris). Here every
request must arrive completely within `request_timeout` seconds of its first byte (of the connection, for
the first request); otherwise the connection is closed without an answer.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

# States in which h11 is still waiting for the client's request (its head, or the rest of its body).
_RECEIVING = (h11.IDLE, h11.SEND_BODY)


class RequestDeadlineProtocol(H11Protocol):
    request_timeout: float = 10.0

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the next request of a keep-alive connection begins
        super().data_received(data)
        if self.conn.their_state not in _RECEIVING:
            self._disarm()  # received whole (or the connection is done with): the app has it now

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.conn.their_state not in _RECEIVING:
            return
        # Armed only while a request is due (a new connection, or a keep-alive one whose next request has
        # begun): an idle keep-alive connection is uvicorn's own timeout_keep_alive to close.
        log.warning("closed a connection whose request did not arrive within %gs", self.request_timeout)
        self.transport.close()


def with_request_timeout(seconds: float) -> type[H11Protocol]:
    """The protocol class to give `uvicorn.Config(http=…)`, with this deadline."""
    return type("RequestDeadlineProtocol", (RequestDeadlineProtocol,), {"request_timeout": seconds})
