"""A scripted hub behind httpx.MockTransport: every request is checked against the definition, answers
come from a queue per path (or a default), and each request is recorded for the test to inspect."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.hvr.hvr_spec import validate_request, validate_response

TOKEN = {"token_type": "bearer", "access_token": "acc-1", "expires_in": 900, "refresh_token": "ref-1"}


@dataclass
class Sent:
    method: str
    path: str
    body: Any
    params: dict[str, list[str]]
    authorization: str


@dataclass
class FakeHub:
    answers: dict[str, deque[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(deque))
    defaults: dict[str, tuple[int, Any]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    logins: int = 0

    def __post_init__(self) -> None:
        self.defaults.setdefault("POST /auth/v1/password", (200, TOKEN))
        self.defaults.setdefault("POST /auth/v1/refresh", (200, {**TOKEN, "access_token": "acc-2"}))

    def queue(self, key: str, status: int, body: Any = None) -> None:
        self.answers[key].append((status, body))

    def paths(self) -> list[str]:
        return [f"{s.method} {s.path}" for s in self.sent]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        params = parse_qs(request.url.query.decode(), keep_blank_values=True)
        validate_request(request.method, request.url.path, body, params)
        self.sent.append(
            Sent(request.method, request.url.path, body, params, request.headers.get("authorization", ""))
        )
        key = f"{request.method} {request.url.path}"
        status, answer = (
            self.answers[key].popleft()
            if self.answers[key]
            else self.defaults.get(key, (404, "F_JX0001E: no such thing"))
        )
        if isinstance(answer, str):
            return httpx.Response(status, text=answer)
        if status < 400:
            validate_response(request.method, request.url.path, status, answer)
        return httpx.Response(status, json=answer) if answer is not None else httpx.Response(status)
