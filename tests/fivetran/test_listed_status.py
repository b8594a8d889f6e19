"""Listed connections share one status model per distinct status (issue 22: a compact snapshot)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from bot.fivetran.models import ListedConnection
from bot.fivetran.pages import page_parser
from tests.fivetran.conftest import connection, ok


def _listed(*items: dict[str, object]) -> list[ListedConnection]:
    page = json.dumps(ok({"items": list(items)})).encode()
    _, _, data = page_parser(ListedConnection)(page)
    return list(data.items)


def _with_status(id: str, **status: Any) -> dict[str, object]:
    body = connection(id)
    body["status"] = {**body["status"], **status}  # type: ignore[dict-item]
    return body


def test_connections_with_the_same_status_share_one_model() -> None:
    one, two, paused = _listed(connection("c1"), connection("c2"), _with_status("c3", sync_state="paused"))

    assert one.status is two.status
    assert paused.status is not one.status
    assert (paused.status.sync_state, one.status.sync_state) == ("paused", "scheduled")


def test_statuses_that_differ_only_in_the_fields_given_are_not_shared() -> None:
    full, bare = _listed(connection("c1"), {**connection("c2"), "status": {"sync_state": "scheduled"}})

    assert full.status == bare.status  # the same values…
    assert full.status is not bare.status  # …but not the same fields set
    assert bare.status.model_fields_set == {"sync_state"}


def test_a_status_with_notices_or_a_reschedule_time_is_its_own() -> None:
    task = {"code": "reconnect", "message": "Reconnect"}
    one, two = _listed(_with_status("c1", tasks=[task]), _with_status("c2", tasks=[task]))
    later, again = _listed(
        _with_status("c3", rescheduled_for="2026-11-23T11:00:00Z"),
        _with_status("c4", rescheduled_for="2026-11-23T11:00:00Z"),
    )

    assert one.status is not two.status
    assert later.status is not again.status


def test_a_shared_status_cannot_be_changed_in_place_only_copied() -> None:
    one, two = _listed(connection("c1"), connection("c2"))

    with pytest.raises(ValidationError):
        one.status.sync_state = "paused"  # type: ignore[misc]
    changed = one.model_copy(update={"status": one.status.model_copy(update={"sync_state": "paused"})})

    assert changed.status.sync_state == "paused"
    assert two.status.sync_state == one.status.sync_state == "scheduled"
