"""Decoding Fivetran's answers, in one place and without I/O.

Success: `{"code": "Success", "message": …, "data": …}` (`"Created"` from create endpoints). Error: `{"code": "NotFound_Connection",
"message": …}` with a 4xx/5xx status. Branch on the status; show `message` to people.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import TypeAdapter

from bot.fivetran.errors import DecodeError, RateLimited, error_class_for
from bot.fivetran.retry import parse_retry_after
from bot.logs import redact

M = TypeVar("M")

# Plain words for statuses whose body carries no message (a proxy's HTML page, an empty 502).
_REASONS = {
    400: "the request was not accepted",
    401: "the API key or secret was not accepted",
    403: "the API key is not allowed to do this",
    404: "not found",
    409: "this conflicts with what the connection is doing now",
    415: "the request had no JSON content type",
    429: "too many requests to the Fivetran API",
}

# The codes of a successful answer, lowercased: create endpoints answer `Created` (DESIGN section 10).
SUCCESS_CODES = frozenset({"success", "created"})


@dataclass(frozen=True)
class Envelope:
    code: str
    message: str
    data: Any


def _body(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


# Decodes a whole successful answer straight from its bytes into (code, message, typed data); raises
# ValueError (pydantic's ValidationError is one) when the answer does not fit, and then `decode` reads it
# the general way, so that what does not fit is reported as before.
Parse = Callable[[bytes], tuple[str, str, Any]]


def decode(
    status: int,
    content: bytes,
    headers: dict[str, str] | None = None,
    *,
    operation: str = "",
    parse: Parse | None = None,
) -> Envelope:
    """Return the envelope of a successful answer, or raise the error the status stands for."""
    if parse is not None and status < 400:
        try:
            code, message, data = parse(content)
        except ValueError:
            pass
        else:
            if code.lower() in SUCCESS_CODES:
                return Envelope(code=code, message=redact(message), data=data)
    body = _body(content)
    fields = body if isinstance(body, dict) else {}
    code = str(fields.get("code") or "")
    # Redacted on the way in: a proxy or an upstream that echoes the Authorization header would otherwise
    # put the key and secret into replies, the audit log and its mirror channel.
    message = redact(str(fields.get("message") or ""))
    if status >= 400:
        cls = error_class_for(status)
        text = message or _REASONS.get(status) or f"Fivetran had a problem (HTTP {status})"
        if cls is RateLimited:
            retry_after = parse_retry_after((headers or {}).get("retry-after"))
            raise RateLimited(
                text, retry_after=retry_after, code=code, status_code=status, operation=operation
            )
        raise cls(text, code=code, status_code=status, operation=operation)
    if body is None:
        raise DecodeError(
            f"Fivetran answered HTTP {status} with a body that is not JSON (cut off or not from the API)",
            operation=operation,
        )
    if not isinstance(body, dict) or code.lower() not in SUCCESS_CODES:
        shown = code or "no code"
        raise DecodeError(
            f"Fivetran answered an unexpected envelope ({shown}): {message}".rstrip(": "), operation=operation
        )
    return Envelope(code=code, message=message, data=fields.get("data"))


# What validates each model, a pydantic model or dataclass alike (a listed connection is the latter).
_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(model: type[M]) -> TypeAdapter[M]:
    found = _ADAPTERS.get(model)
    if found is None:
        found = _ADAPTERS[model] = TypeAdapter(model)
    return found


def parse_data(model: type[M], data: Any, operation: str) -> M:
    """An answer's `data` as `model`; a shape that does not fit is a `DecodeError` naming the operation."""
    if not isinstance(data, dict):
        raise DecodeError(f"Fivetran answered {operation} without the expected data", operation=operation)
    try:
        found: M = _adapter(model).validate_python(data)
        return found
    except ValueError as error:  # pydantic.ValidationError is a ValueError
        raise DecodeError(
            f"Fivetran's answer to {operation} did not have the expected shape: {error.__class__.__name__}",
            operation=operation,
        ) from None
