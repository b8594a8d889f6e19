"""The one way a Web API method of the double says no."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Answered as HTTP 200 `{"ok": false, "error": error, **extra}`, as Slack answers a refused call."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


class RateLimited(Exception):
    """Answered as HTTP 429 with `Retry-After`, as Slack answers a call over its rate limit."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited, retry after {retry_after} s")
        self.retry_after = retry_after
