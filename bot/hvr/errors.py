"""The HVR 6 client's exceptions: the shared tree of `bot.source_errors` (the Fivetran client raises the
same classes), spoken as the hub (`HUB_SPEAKER`), and the reading of the hub's `F_JR071E: …` error lines.

No exception text ever contains a token or the password: messages come from the hub's body or the client.
"""

from __future__ import annotations

import re
from typing import TypedDict

from bot.logs import redact
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
    error_class_for,
)
from bot.source_errors import SourceError as HvrError

__all__ = [
    "HUB_CREDENTIAL",
    "HUB_SPEAKER",
    "BadRequest",
    "Conflict",
    "ConnectError",
    "DecodeError",
    "Forbidden",
    "HvrError",
    "NotFound",
    "RateLimited",
    "ServerError",
    "StatusError",
    "Timeout",
    "TransportError",
    "Unauthorized",
    "error_class_for",
    "split_code",
]

# Until a source restamps it with its own name (`HubSource`), an error speaks as "the HVR hub".
HUB_SPEAKER = "The HVR hub"
HUB_CREDENTIAL = "hub login"


class Speaks(TypedDict):
    speaker: str
    credential: str


SPEAKS: Speaks = {"speaker": HUB_SPEAKER, "credential": HUB_CREDENTIAL}

# The hub writes errors as text lines `F_JR071E: message` (the definition declares text/plain).
_CODE = re.compile(r"\b(F_[A-Z]{2}[0-9A-Z]{3,4}[A-Z])\b:?\s*")


def split_code(text: str) -> tuple[str, str]:
    """(`F_JR071E`, the rest) from an error line; ("", text) when it carries no code."""
    # the hub relays what its agents and databases said: redacted before anyone can store or show it
    match = _CODE.search(text)
    if match is None:
        return "", redact(text.strip())
    return match.group(1), redact((text[: match.start()] + text[match.end() :]).strip())
