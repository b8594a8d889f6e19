"""A list page decoded straight from its bytes: the envelope, `items` as models, `next_cursor`.

`json.loads` first built every field of every item as Python objects (a connection's `config`,
`source_sync_details`, …), which the models then walked again; validating the bytes builds only what the
models keep. A page that does not fit is decoded the general way instead (`envelope.decode`), so its
problem is reported as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.fivetran.envelope import Parse
from bot.fivetran.errors import DecodeError

M = TypeVar("M")


class Page(BaseModel, Generic[M]):
    model_config = ConfigDict(extra="ignore")

    items: list[M]
    next_cursor: str | None = None


class _Answer(BaseModel, Generic[M]):
    model_config = ConfigDict(extra="ignore")

    code: str = ""
    message: str = ""
    data: Page[M]


_PARSERS: dict[type[Any], Parse] = {}


def page_parser(model: type[Any]) -> Parse:
    """What `Transport.request` decodes a page of `model` with (one validator per model, built once); a
    model is a pydantic model or dataclass (a listed connection is the latter)."""
    found = _PARSERS.get(model)
    if found is None:
        found = _PARSERS[model] = _parser(model)
    return found


def _parser(model: type[Any]) -> Parse:
    answer: Any = _Answer[model]  # type: ignore[valid-type]

    def parse(content: bytes) -> tuple[str, str, Any]:
        found = answer.model_validate_json(content)
        return found.code, found.message, found.data

    return parse


# The envelope's own `next_cursor` is the last one in the bytes when it follows `items`, as Fivetran and the
# simulator send it; a cursor with escapes is not guessed.
_CURSOR = re.compile(rb'"next_cursor"\s*:\s*"([^"\\]*)"')


@dataclass(frozen=True, slots=True)
class RawPage:
    """A page's bytes, not decoded yet: its next cursor can be guessed first, so that the next page's
    request goes out before this one's 1,000 items are decoded (`FivetranClient._pages`). The guess is
    checked against the decoded page, which is decoded the usual way (`page_parser`)."""

    content: bytes

    def cursor_hint(self) -> str | None:
        at = self.content.rfind(b'"next_cursor"')
        found = _CURSOR.match(self.content, at) if at >= 0 else None
        return found.group(1).decode("ascii", "replace") if found else None


def raw_page(content: bytes) -> tuple[str, str, Any]:
    """A `Parse` that keeps the bytes for later: what `Transport.request` hands back is a `RawPage`."""
    return "Success", "", RawPage(content)


def page_items(data: Any, operation: str) -> tuple[list[Any], str | None]:
    """A page's items (models when it was decoded from bytes, else dicts) and its next cursor."""
    if isinstance(data, Page):
        return data.items, data.next_cursor
    found = data if isinstance(data, dict) else {}
    items = found.get("items")
    if not isinstance(items, list):
        raise DecodeError(f"Fivetran answered {operation} without a list of items", operation=operation)
    cursor = found.get("next_cursor")
    return items, cursor if isinstance(cursor, str) else None
