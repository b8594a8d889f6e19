"""Faults on demand: latency, a random 5xx rate, and one-shot faults a test scripts for a method and path
(the rate limits are `limits.py`).

Scripted kinds:
- `status`: answer `status` with a Fivetran error body (`Retry-After: 1` when it is 429).
- `malformed_json`: the real answer, cut in half (invalid JSON, `Content-Type: application/json`).
- `reset`: the connection drops after the status line. Over a socket, uvicorn closes the connection and
  the client sees `httpx.RemoteProtocolError`; in process (ASGITransport re-raises app exceptions) the
  client sees `SimulatedConnectionReset`, itself an `httpx.RemoteProtocolError`, so both paths reach the
  same `except httpx.TransportError`.
- `delay`: sleep `delay_s` (through the simulator's injectable sleep), then answer normally. It makes a
  real client time out over a socket; ASGITransport has no timeouts, so in process it only costs time.
- `unexpected_code`: 200 with `{"code": "Weird", ...}` and no data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from random import Random
from typing import Literal

import httpx

FaultKind = Literal["status", "malformed_json", "reset", "delay", "unexpected_code"]
FAULT_KINDS: tuple[FaultKind, ...] = ("status", "malformed_json", "reset", "delay", "unexpected_code")


class SimulatedConnectionReset(httpx.RemoteProtocolError):
    """Raised inside the app to drop the connection mid-answer."""


@dataclass(slots=True)
class ScriptedFault:
    kind: FaultKind
    method: str | None
    path_regex: re.Pattern[str] | None
    status: int
    times: int
    delay_s: float

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        return self.path_regex is None or self.path_regex.search(path) is not None


class Faults:
    __slots__ = ("_rng", "_scripted", "error_rate", "latency_ms")

    def __init__(self, *, seed: int, latency_ms: float, error_rate: float) -> None:
        if not 0 <= error_rate <= 1:
            raise ValueError("error_rate is a share between 0 and 1")
        self.latency_ms = latency_ms
        self.error_rate = error_rate
        # its own stream, so turning on errors does not change the generated account or the syncs
        self._rng = Random(f"{seed}:faults")
        self._scripted: list[ScriptedFault] = []

    def script(
        self,
        *,
        method: str | None = None,
        path_regex: str | None = None,
        status: int | None = None,
        kind: FaultKind | None = None,
        times: int = 1,
        delay_s: float = 0.0,
    ) -> ScriptedFault:
        """Make the next `times` matching requests fail in the given way (see the module docstring)."""
        if kind is None:
            kind = "status" if status is not None else "delay" if delay_s > 0 else "status"
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if kind == "status" and status is None:
            raise ValueError("a status fault needs a status")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = ScriptedFault(
            kind=kind,
            method=method.upper() if method else None,
            path_regex=re.compile(path_regex) if path_regex else None,
            status=status if status is not None else 200,
            times=times,
            delay_s=delay_s,
        )
        self._scripted.append(fault)
        return fault

    def clear(self) -> None:
        self._scripted.clear()

    @property
    def scripted(self) -> list[ScriptedFault]:
        return list(self._scripted)

    def take(self, method: str, path: str) -> ScriptedFault | None:
        """The first scripted fault for this request, used up by one."""
        for fault in self._scripted:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times == 0:
                    self._scripted.remove(fault)
                return fault
        return None

    def roll_error(self) -> bool:
        return self.error_rate > 0 and self._rng.random() < self.error_rate
