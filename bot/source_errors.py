"""The one exception tree of every source's client (a Fivetran account, an HVR 6 hub): callers branch on
the class, people read `message`, and the words name whoever answered (`speaker`).

    SourceError
    ├── TransportError            the request did not get an answer (`may_have_acted` after sending)
    │   ├── ConnectError
    │   └── Timeout
    ├── DecodeError               an answer that is not the shape the API declares
    └── StatusError               the source answered with an error status; carries `code` and `message`
        ├── BadRequest (400; `Unsupported`: refused by the bot, in words)  Unauthorized (401)  Forbidden (403)  NotFound (404)
        ├── Conflict (409)  UnsupportedMediaType (415)  RateLimited (429, `retry_after`)
        └── ServerError (5xx)

Both clients raise these classes, so the services catch one tree and explain a hub's refusal the way they
explain Fivetran's, in words that name the hub (`speaker`, `credential`). No exception text ever contains
a credential: messages come from the source's body or from the client.
"""

from __future__ import annotations

FIVETRAN = "Fivetran"


class SourceError(Exception):
    """Base of every error a source's client raises.

    `speaker` is who answered, as a sentence starts with it ("Fivetran", "The HVR hub east"); `credential`
    is what the bot logs in with there ("API key", "hub login"). A source that wraps a client restamps
    both with its own name (`speak_as`)."""

    def __init__(
        self, message: str, *, operation: str = "", speaker: str = FIVETRAN, credential: str = "API key"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.speaker = speaker
        self.credential = credential
        self.source = ""  # the configured source's name, once a source has stamped it

    def speak_as(self, source: str, speaker: str, credential: str) -> SourceError:
        self.source, self.speaker, self.credential = source, speaker, credential
        return self

    @property
    def is_fivetran(self) -> bool:
        return self.speaker == FIVETRAN


class TransportError(SourceError):
    """No answer came back: DNS, refused connection, reset, timeout.

    `may_have_acted` is true when the request had been sent (a read timeout, a connection dropped
    mid-answer): the source may have done what was asked, so nobody should be told that nothing changed.
    """

    def __init__(self, message: str, *, may_have_acted: bool = False, **kwargs: str) -> None:
        super().__init__(message, **kwargs)
        self.may_have_acted = may_have_acted


class ConnectError(TransportError):
    pass


class Timeout(TransportError):
    pass


class DecodeError(SourceError):
    """An answer came back but not in the shape the API declares."""


class StatusError(SourceError):
    status_code: int = 0

    def __init__(self, message: str, *, code: str = "", status_code: int = 0, **kwargs: str) -> None:
        super().__init__(message, **kwargs)
        self.code = code
        if status_code:
            self.status_code = status_code

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"{self.speaker} answered {self.status_code}{code}: {self.message}"


class BadRequest(StatusError):
    status_code = 400


class Unauthorized(StatusError):
    status_code = 401


class Forbidden(StatusError):
    status_code = 403


class NotFound(StatusError):
    status_code = 404


class Unsupported(BadRequest):
    """What this kind of source does not have (an HVR channel's schema settings): refused by the bot
    itself, in words (`message`) a person is shown as they are."""


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
