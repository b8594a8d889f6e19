"""A listed connection is the compact twin of `ConnectionDetails` (issue 22): the same fields, read alike."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

from bot.fivetran.models import ConnectionDetails, ListedConnection
from bot.fivetran.pages import page_parser
from tests.fivetran.conftest import connection, ok


def test_it_declares_the_fields_of_the_full_model_with_their_defaults() -> None:
    # Declared twice (a pydantic dataclass cannot derive from a model): this keeps the two from drifting.
    listed = {f.name: f for f in dataclasses.fields(ListedConnection)}
    full = ConnectionDetails.model_fields

    assert list(listed) == list(full)
    for name, info in full.items():
        declared = ListedConnection.__pydantic_fields__[name]  # type: ignore[attr-defined]
        assert declared.alias == info.alias, name
        if name != "status":  # the listed one is the compact, shared `ListedStatus`
            assert declared.annotation == info.annotation, name
            assert declared.default == info.default, name


def test_a_page_item_reads_as_the_same_connection_alone_does() -> None:
    body = connection("c1", failed_at="2026-11-30T10:00:00Z", succeeded_at="2026-11-30T09:00:00Z")
    _, _, page = page_parser(ListedConnection)(json.dumps(ok({"items": [body]})).encode())
    (listed,) = page.items
    alone = ConnectionDetails.model_validate(body)

    for name in ConnectionDetails.model_fields:
        if name != "status":
            assert getattr(listed, name) == getattr(alone, name), name
    assert listed.status.model_dump() == alone.status.model_dump()
    assert listed.last_sync_end == alone.last_sync_end == datetime(2026, 11, 30, 10, tzinfo=UTC)
