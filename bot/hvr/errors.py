"""The exception tree of the HVR 6 client: callers branch on the class, people read `message`.

    HvrError
    ├── TransportError            the request did not get an answer (`may_have_acted` after sending)
    │   ├── ConnectError
    │   └── Timeout
    ├── DecodeError               an answer that is not the shape the definition declares
    └── StatusError               the hub answered with an error status; carries `code` (e.g. F_JR071E)
        ├── BadRequest (400)  Unauthorized (401)  Forbidden (403)  NotFound (404)
        ├── Conflict (409)  RateLimited (429, `retry_after`)
        └── ServerError (5xx)

Mirrors bot/fivetran/errors.py. No exception text ever contains a token or the password: messages come
from the hub's body (error lines such as `F_JR071E: …`) or from this module.
"""

from __future__ import annotations

import re


class HvrError(Exception):
    """Base of every error the client raises."""

    def __init__(self, message: str, *, operation: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation


class TransportError(HvrError):
    """No answer came back. `may_have_acted`: the request had been sent, the hub may have done it."""

    def __init__(self, message: str, *, operation: str = "", may_have_acted: bool = False) -> None:
        super().__init__(message, operation=operation)
        self.may_have_acted = may_have_acted


class ConnectError(TransportError):
    pass


class Timeout(TransportError):
    pass


class DecodeError(HvrError):
    """An answer came back but not in the shape the definition declares."""


class StatusError(HvrError):
    status_code: int = 0

    def __init__(self, message: str, *, code: str = "", status_code: int = 0, operation: str = "") -> None:
        super().__init__(message, operation=operation)
        self.code = code
        if status_code:
            self.status_code = status_code

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"The HVR hub answered {self.status_code}{code}: {self.message}"


class BadRequest(StatusError):
    status_code = 400


class Unauthorized(StatusError):
    status_code = 401


class Forbidden(StatusError):
    status_code = 403


class NotFound(StatusError):
    status_code = 404


class Conflict(StatusError):
    status_code = 409


class RateLimited(StatusError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(StatusError):
    status_code = 500


_BY_STATUS: dict[int, type[StatusError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}
# The hub writes errors as text lines `F_JR071E: message` (the definition declares text/plain).
_CODE = re.compile(r"\b(F_[A-Z]{2}\d{3,4}[A-Z])\b:?\s*")


def error_class_for(status_code: int) -> type[StatusError]:
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, StatusError)


def split_code(text: str) -> tuple[str, str]:
    """(`F_JR071E`, the rest) from an error line; ("", text) when it carries no code."""
    match = _CODE.search(text)
    if match is None:
        return "", text.strip()
    return match.group(1), (text[: match.start()] + text[match.end() :]).strip()
