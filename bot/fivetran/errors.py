"""The Fivetran client's exceptions: the shared tree of `bot.source_errors`, which the HVR client raises
too, under the names the Fivetran code has always used. `FivetranError` is the tree's base, so a
service that catches it catches a hub's errors as well; their words name whoever answered (`speaker`).
"""

from __future__ import annotations

from bot.source_errors import (
    BadRequest,
    Conflict,
    ConnectError,
    DecodeError,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    StatusError,
    Timeout,
    TransportError,
    Unauthorized,
    UnsupportedMediaType,
    error_class_for,
)
from bot.source_errors import SourceError as FivetranError

__all__ = [
    "BadRequest",
    "Conflict",
    "ConnectError",
    "DecodeError",
    "FivetranError",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "ServerError",
    "StatusError",
    "Timeout",
    "TransportError",
    "Unauthorized",
    "UnsupportedMediaType",
    "error_class_for",
]
