"""Sending one Fivetran request: auth, headers, the budget, retries, and decoding.

Operations in client.py describe *what* to ask; this module decides *how*, the same way for all of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bot import __version__
from bot.clock import Sleep
from bot.fivetran.budget import RequestBudget, classes_of
from bot.fivetran.envelope import Envelope, Parse, decode
from bot.fivetran.errors import (
    ConnectError,
    DecodeError,
    FivetranError,
    RateLimited,
    ServerError,
    Timeout,
)
from bot.fivetran.patience import Patience, current
from bot.fivetran.retry import RetryPolicy, may_resend_after_answer

log = logging.getLogger("bot.fivetran")


ACCEPT_V2 = "application/json;version=2"
ACCEPT_V1 = "application/json"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=10.0)


@dataclass(frozen=True)
class RequestEvent:
    """What happened to one attempt; fed to the metrics and the log by whoever listens."""

    operation: str
    method: str
    status: int | None  # None: no answer (transport error)
    attempt: int
    seconds: float
    retry_in: float | None = None  # set when another attempt follows
    reason: str = ""


Listener = Callable[[RequestEvent], None]


def _accept_for(path: str) -> str:
    return ACCEPT_V2 if path.startswith("/v1/connections") else ACCEPT_V1


def _within(timeout: httpx.Timeout, seconds: float) -> httpx.Timeout:
    """Each phase's timeout, none longer than what the command has left."""

    def cut(value: float | None) -> float:
        return max(0.0, min(value, seconds)) if value is not None else max(0.0, seconds)

    return httpx.Timeout(
        connect=cut(timeout.connect), read=cut(timeout.read), write=cut(timeout.write), pool=cut(timeout.pool)
    )


@dataclass(frozen=True)
class Failure:
    """One failed attempt, classified once: what to raise, and whether sending again is safe."""

    error: FivetranError
    reason: str  # for the log and the request listeners
    resend_ok: bool
    status: int | None = None
    delay: float | None = None  # None: the retry policy's backoff


def classify(
    error: httpx.HTTPError | RateLimited | ServerError,
    method: str,
    operation: str,
    retry: RetryPolicy,
    attempt: int,
) -> Failure:
    """Every way an attempt fails, in one table: the order matters, httpx's exceptions nest."""
    after_answer = may_resend_after_answer(method)
    if isinstance(error, RateLimited):
        wait = error.retry_after if error.retry_after is not None else retry.backoff(attempt)
        # A Retry-After past the policy's cap is not waited out: the person hears when to try again.
        return Failure(error, "rate limited", wait <= retry.max_retry_after, 429, wait)
    if isinstance(error, ServerError):
        return Failure(error, error.message, after_answer, error.status_code)
    if isinstance(error, httpx.ConnectError):
        # Never reached Fivetran: safe to send again, whatever the method.
        failure: FivetranError = ConnectError(
            f"could not connect to Fivetran ({type(error).__name__})", operation=operation
        )
        return Failure(failure, str(failure), resend_ok=True)
    if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
        failure = Timeout("timed out connecting to Fivetran", operation=operation)
        return Failure(failure, str(failure), resend_ok=True)
    if isinstance(error, httpx.TimeoutException):
        failure = Timeout("Fivetran did not answer in time", operation=operation, may_have_acted=True)
        return Failure(failure, failure.message, after_answer)
    if isinstance(error, httpx.TransportError):
        failure = ConnectError(
            f"the connection to Fivetran broke ({type(error).__name__})",
            operation=operation,
            may_have_acted=True,
        )
        return Failure(failure, failure.message, after_answer)
    # e.g. a body a proxy mangled (DecodingError): an answer came, but not one we can read
    text = f"Fivetran's answer could not be read ({type(error).__name__})"
    return Failure(DecodeError(text, operation=operation), text, resend_ok=False)


def _tracing(written: asyncio.Event | None) -> dict[str, Any] | None:
    """httpx's extensions for a request whose going out is waited for: a trace that sets `written`."""
    if written is None:
        return None
    event = written

    async def trace(name: str, info: dict[str, Any]) -> None:
        if name.endswith("send_request_body.complete"):  # http11. or http2.
            event.set()

    return {"trace": trace}


class Transport:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: str,
        api_secret: str,
        base_url: str = "https://api.fivetran.com",
        retry: RetryPolicy | None = None,
        budget: RequestBudget | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self._http = http
        self._auth = httpx.BasicAuth(api_key, api_secret)
        self._base = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.budget = budget
        self._sleep = sleep
        self._clock = clock
        self._timeout = timeout
        self._listeners: list[Listener] = []
        self.rate_limit_remaining: int | None = None

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, event: RequestEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a broken metrics hook must not break a Fivetran call
                log.exception("request listener failed")

    async def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        timeouts: httpx.Timeout | None = None,
        parse: Parse | None = None,
        written: asyncio.Event | None = None,
    ) -> Envelope:
        """`timeouts` replace the transport's for this request (an operation known to be slow); a
        command's patience still cuts it to what the command has left. `written` is set once the request
        is on the wire (httpcore's trace), so that a caller may then hold the loop (decode a page) without
        holding the request back; a transport that traces nothing (a mock) never sets it."""
        headers = {"Accept": _accept_for(path), "User-Agent": f"hvr-bot/{__version__}"}
        if method in ("POST", "PATCH"):
            headers["Content-Type"] = "application/json"
            if json is None:
                json = {}
        classes = classes_of(method, path)
        attempt = 0
        sent = False  # a request went out: Fivetran may have acted on it, whatever comes next
        while True:
            attempt += 1
            if self.budget is not None:
                waited = await self.budget.acquire(*classes)
                if waited:
                    log.info("fivetran budget: waited %.1fs before %s", waited, operation)
            started = self._clock()
            bound = current()
            limits = timeouts or self._timeout
            if bound is not None:
                left = bound.remaining()
                if left <= 0:
                    raise self._out_of_patience(operation, may_have_acted=sent and method != "GET")
                limits = _within(limits, left)
            sent = True
            try:
                response = await self._send(
                    bound, method, path, params, json, headers, limits, _tracing(written)
                )
                self._observe(response)
                envelope = decode(
                    response.status_code,
                    response.content,
                    {k.lower(): v for k, v in response.headers.items()},
                    operation=operation,
                    parse=parse,
                )
            except (httpx.HTTPError, RateLimited, ServerError) as error:
                failure = classify(error, method, operation, self.retry, attempt)
                if await self._again(
                    operation,
                    method,
                    failure.status,
                    attempt,
                    started,
                    failure.reason,
                    resend_ok=failure.resend_ok,
                    delay=failure.delay,
                ):
                    continue
                if failure.error is error:
                    raise
                raise failure.error from None
            self._emit(
                RequestEvent(operation, method, response.status_code, attempt, self._clock() - started)
            )
            return envelope

    async def _send(
        self,
        bound: Patience | None,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json: Any,
        headers: dict[str, str],
        limits: httpx.Timeout,
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        if bound is not None:
            bound.waiting += 1  # what "Still waiting for Fivetran" is true of
        try:
            return await self._http.request(
                method,
                self._base + path,
                params=params,
                json=json,
                headers=headers,
                auth=self._auth,
                timeout=limits,
                extensions=extensions,
            )
        finally:
            if bound is not None:
                bound.waiting -= 1

    @staticmethod
    def _out_of_patience(operation: str, *, may_have_acted: bool) -> Timeout:
        return Timeout("Fivetran did not answer in time", operation=operation, may_have_acted=may_have_acted)

    async def _again(
        self,
        operation: str,
        method: str,
        status: int | None,
        attempt: int,
        started: float,
        reason: str,
        *,
        resend_ok: bool,
        delay: float | None = None,
    ) -> bool:
        """Decide whether to retry; if so, wait first. Every outcome is reported to listeners."""
        retry = resend_ok and attempt < self.retry.max_attempts
        wait = (delay if delay is not None else self.retry.backoff(attempt)) if retry else None
        bound = current()
        if wait is not None and bound is not None and wait >= bound.remaining():
            # The person would hear nothing until after the wait: tell them now instead.
            wait = None
        self._emit(RequestEvent(operation, method, status, attempt, self._clock() - started, wait, reason))
        if wait is None:
            return False
        log.warning("fivetran %s: %s (attempt %d); retrying in %.1fs", operation, reason, attempt, wait)
        await self._sleep(wait)
        return True

    def _observe(self, response: httpx.Response) -> None:
        remaining = response.headers.get("x-rate-limit-remaining")
        if remaining is None:
            return
        try:
            value = int(remaining)
        except ValueError:
            return
        self.rate_limit_remaining = value
        if self.budget is not None:
            self.budget.observe_remaining(value)
