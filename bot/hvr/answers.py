"""Reading the hub's answers: bodies into the models (a wrong shape is a `DecodeError`), error answers
into the error tree (the hub writes `F_JR071E: …` as text, some versions as JSON), `Retry-After`."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

import bot.hvr.errors as errors
from bot.hvr.models import Channel

M = TypeVar("M", bound=BaseModel)


def named(items: Any) -> list[dict[str, Any]]:
    """`{name: {...}}` as `[{name, ...}]`: the hub keys tables and location groups by name."""
    found = items if isinstance(items, dict) else {}
    return [{**(v if isinstance(v, dict) else {}), "name": k} for k, v in found.items()]


def channel_from(name: str, body: dict[str, Any], operation: str) -> Channel:
    shaped = {
        **body,
        "name": name,
        "tables": named(body.get("tables")),
        "loc_groups": named(body.get("loc_groups")),
    }
    return parse(Channel, shaped, operation)


def parse(model: type[M], data: Any, operation: str) -> M:
    if not isinstance(data, dict):
        raise errors.DecodeError(
            f"The HVR hub answered {operation} without the expected data",
            operation=operation,
            **errors.SPEAKS,
        )
    try:
        return model.model_validate(data)
    except ValueError as error:
        raise errors.DecodeError(
            f"The HVR hub's answer to {operation} did not have the expected shape: {error.__class__.__name__}",
            operation=operation,
            **errors.SPEAKS,
        ) from None


def retry_after(response: httpx.Response) -> float | None:
    try:
        return min(float(response.headers.get("Retry-After", "")), 30.0)
    except ValueError:
        return None


def status_error(response: httpx.Response, operation: str) -> errors.StatusError:
    """The hub writes `F_JR071E: …` as text, some versions as JSON `{error: …}`: read the code from either."""
    text = response.text[:500]
    try:
        data = response.json()
        if isinstance(data, dict):
            text = str(data.get("error") or data.get("message") or text)
    except ValueError:
        pass
    code, message = errors.split_code(text)
    cls = errors.error_class_for(response.status_code)
    if cls is errors.RateLimited:
        return errors.RateLimited(
            message or "rate limited",
            retry_after=retry_after(response),
            code=code,
            status_code=429,
            operation=operation,
            **errors.SPEAKS,
        )
    return cls(
        message or f"{operation} failed",
        code=code,
        status_code=response.status_code,
        operation=operation,
        **errors.SPEAKS,
    )
