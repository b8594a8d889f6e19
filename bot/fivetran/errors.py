"""The exception tree of the Fivetran client: callers branch on the class, people read `message`.

    FivetranError
    ├── TransportError            the request did not get an answer
    │   ├── ConnectError
    │   └── Timeout
    ├── DecodeError               an answer that is not Fivetran's envelope (truncated, HTML, bad code)
    └── StatusError               Fivetran answered with an error status; carries `code` and `message`
        ├── BadRequest (400)  Unauthorized (401)  Forbidden (403)  NotFound (404)
        ├── Conflict (409)  UnsupportedMediaType (415)  RateLimited (429, `retry_after`)
        └── ServerError (5xx)

No exception text ever contains a credential: messages come from Fivetran's body or from this module.
"""

from __future__ import annotations


class FivetranError(Exception):
    """Base of every error the client raises."""

    def __init__(self, message: str, *, operation: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation


class TransportError(FivetranError):
    """No answer came back: DNS, refused connection, reset, timeout.

    `may_have_acted` is true when the request had been sent (a read timeout, a connection dropped
    mid-answer): Fivetran may have done what was asked, so nobody should be told that nothing changed.
    """

    def __init__(self, message: str, *, operation: str = "", may_have_acted: bool = False) -> None:
        super().__init__(message, operation=operation)
        self.may_have_acted = may_have_acted


class ConnectError(TransportError):
    pass


class Timeout(TransportError):
    pass


class DecodeError(FivetranError):
    """An answer came back but it is not a Fivetran envelope."""


class StatusError(FivetranError):
    status_code: int = 0

    def __init__(self, message: str, *, code: str = "", status_code: int = 0, operation: str = "") -> None:
        super().__init__(message, operation=operation)
        self.code = code
        if status_code:
            self.status_code = status_code

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"Fivetran answered {self.status_code}{code}: {self.message}"


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


class UnsupportedMediaType(StatusError):
    status_code = 415


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
    415: UnsupportedMediaType,
    429: RateLimited,
}


def error_class_for(status_code: int) -> type[StatusError]:
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, StatusError)
