"""Bearer tokens for one hub user: login with the password, renew with the refresh token shortly before
the access token expires (15 minutes by default) and once after a 401. Tokens and the password live
only here and in the Authorization header; nothing here logs or formats them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RENEW_MARGIN = 60.0  # seconds before expiry at which the token is renewed


@dataclass(repr=False)
class Tokens:
    access: str = ""
    refresh: str = ""
    expires_at: float = 0.0

    def __repr__(self) -> str:  # never print a token, even in a traceback's locals
        return "Tokens(<hidden>)"


@dataclass(repr=False)
class Credentials:
    username: str
    password: str
    tokens: Tokens = field(default_factory=Tokens)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=<hidden>)"

    def login_body(self) -> dict[str, Any]:
        return {"username": self.username, "password": self.password, "refresh": "token"}

    def refresh_body(self) -> dict[str, Any]:
        return {"refresh_token": self.tokens.refresh, "refresh": "token"}

    def fresh(self, now: float) -> bool:
        return bool(self.tokens.access) and now < self.tokens.expires_at - RENEW_MARGIN

    def store(self, answer: dict[str, Any], now: float) -> None:
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise ValueError("no access_token")
        expires_in = answer.get("expires_in")
        seconds = float(expires_in) if isinstance(expires_in, int | float) else 900.0
        refresh = answer.get("refresh_token")
        self.tokens = Tokens(
            access=access,
            refresh=refresh if isinstance(refresh, str) and refresh else self.tokens.refresh,
            expires_at=now + seconds,
        )

    def header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.access}"}


Clock = Callable[[], float]
