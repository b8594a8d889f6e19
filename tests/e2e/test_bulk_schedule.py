"""`/hvr schedule <selector> …` end to end: an admin sees a preview, confirms it in a dialog, and Fivetran
gets one PATCH per connector; an operator or a viewer is refused before anything is planned."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.harness import ADMIN, E2E, OPERATOR, VIEWER, all_text, button, labels

PATCH = "PATCH /v1/connections/{connection_id}"


def group_with_members(e2e: E2E, least: int = 2) -> tuple[str, list[str]]:
    """(group id, its connection ids) of a group with at least `least` connections."""
    for group_id in e2e.sim.groups:
        members = [c.id for c in e2e.sim.connections.values() if c.group_id == group_id]
        if len(members) >= least:
            return group_id, members
    raise LookupError(f"no group with {least} connections")


async def test_an_admin_previews_then_confirms_and_each_connector_gets_one_patch(e2e: E2E) -> None:
    group_id, members = group_with_members(e2e)

    sent = await e2e.command(f"schedule group:{group_id} every 6h", user=ADMIN)

    preview = await e2e.wait_for_message(lambda m: "Change the schedule of" in all_text(m), since=sent)
    text = all_text(preview)
    assert f"Change the schedule of {len(members)} connectors?" in text
    assert f"These {len(members)} connectors matching `group:{group_id}` will sync *every 6h*" in text
    assert e2e.sim_count(PATCH) == 0, "a preview changes nothing"
    go = button(preview, f"Change {len(members)} schedules")
    assert go["style"] == "danger" and go["confirm"]["style"] == "danger"
    assert go["confirm"]["text"]["text"] == "From now on they sync every 6h."

    confirmed = await e2e.click(preview, f"Change {len(members)} schedules", user=ADMIN)

    report = await e2e.wait_for_message(lambda m: "finished" in m.text, since=confirmed, timeout=10)
    assert f"Schedule change of {len(members)} connectors by <@{ADMIN}> finished" in report.text
    assert f"{len(members)} done" in report.text
    assert e2e.sim_count(PATCH) == len(members)
    assert {e2e.sim.connections[c].sync_frequency for c in members} == {360}


async def test_a_daily_time_in_a_zone_is_previewed_in_utc_with_the_conversion_said(e2e: E2E) -> None:
    group_id, members = group_with_members(e2e)
    today = datetime.now(UTC).date()  # the bot converts on the day it is asked, by the wall clock
    utc = datetime.combine(today, time(2), ZoneInfo("Europe/Berlin")).astimezone(UTC).strftime("%H:00")

    sent = await e2e.command(f"schedule group:{group_id} daily 02:00 tz:Europe/Berlin", user=ADMIN)

    preview = await e2e.wait_for_message(lambda m: "Change the schedule of" in all_text(m), since=sent)
    assert f"will sync *daily at {utc} UTC (02:00 Europe/Berlin)*" in all_text(preview)
    assert f"02:00 in Europe/Berlin is {utc} UTC today" in all_text(preview)
    await e2e.click(preview, f"Change {len(members)} schedules", user=ADMIN)
    await e2e.wait_for_message(lambda m: "finished" in m.text, since=sent, timeout=10)
    assert {e2e.sim.connections[c].daily_sync_time for c in members} == {utc}


async def test_cancel_leaves_every_schedule_as_it_was(e2e: E2E) -> None:
    group_id, members = group_with_members(e2e)
    before = {c: e2e.sim.connections[c].sync_frequency for c in members}
    sent = await e2e.command(f"schedule group:{group_id} every 6h", user=ADMIN)
    preview = await e2e.wait_for_message(lambda m: "Cancel" in labels(m), since=sent)

    await e2e.click(preview, "Cancel", user=ADMIN)
    await e2e.settle()

    assert e2e.sim_count(PATCH) == 0
    assert {c: e2e.sim.connections[c].sync_frequency for c in members} == before


@pytest.mark.parametrize("user", [OPERATOR, VIEWER])
async def test_only_an_admin_may_change_many_schedules(e2e: E2E, user: str) -> None:
    group_id, _ = group_with_members(e2e)

    sent = await e2e.command(f"schedule group:{group_id} every 6h", user=user)

    refused = await e2e.wait_for_text("admin", since=sent)
    assert refused.ephemeral and refused.user == user
    assert "Change the schedule of" not in all_text(refused)
    await e2e.settle()
    assert e2e.sim_count(PATCH) == 0
    assert not [m for m in e2e.since(sent) if "Change the schedule of" in all_text(m)]
