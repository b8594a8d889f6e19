"""A list page decoded straight from its bytes: the envelope, `items` as models, `next_cursor`.

`json.loads` first built every field of every item as Python objects (a connection's `config`,
`source_sync_details`, …), which the models then walked again; validating the bytes builds only what the
models keep. A page that does not fit is decoded the general way instead (`envelope.decode`), so its
problem is reported as before.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.fivetran.envelope import Parse

M = TypeVar("M", bound=BaseModel)


class Page(BaseModel, Generic[M]):
    model_config = ConfigDict(extra="ignore")

    items: list[M]
    next_cursor: str | None = None


class _Answer(BaseModel, Generic[M]):
    model_config = ConfigDict(extra="ignore")

    code: str = ""
    message: str = ""
    data: Page[M]


@cache
def page_parser(model: type[BaseModel]) -> Parse:
    """What `Transport.request` decodes a page of `model` with (one validator per model, built once)."""
    answer: Any = _Answer[model]  # type: ignore[valid-type]

    def parse(content: bytes) -> tuple[str, str, Any]:
        found = answer.model_validate_json(content)
        return found.code, found.message, found.data

    return parse
