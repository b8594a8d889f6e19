"""`/hvr schedule` and Reconnect end to end: Slack double in, simulator out."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from tests.e2e.harness import E2E, OPERATOR, VIEWER, all_text, labels

PATCH = "PATCH /v1/connections/{connection_id}"
CONNECT_CARD = "POST /v1/connections/{connection_id}/connect-card"


def berlin_2am_in_utc() -> str:
    today = datetime.now(UTC).date()  # the bot converts on the day it is asked, by the wall clock
    return datetime.combine(today, time(2), ZoneInfo("Europe/Berlin")).astimezone(UTC).strftime("%H:00")


async def test_a_daily_time_in_berlin_is_sent_as_one_patch_with_the_utc_hour(e2e: E2E) -> None:
    connection_id, name = e2e.connection_named("healthy")

    sent = await e2e.command(f"schedule {name} daily 02:00 tz:Europe/Berlin")

    answer = await e2e.wait_for_text("Schedule set", since=sent)
    expected = berlin_2am_in_utc()
    assert e2e.sim_count(PATCH) == 1
    conn = e2e.sim.connections[connection_id]
    assert (conn.sync_frequency, conn.daily_sync_time) == (1440, expected)
    assert f"{expected} UTC" in all_text(answer) and "Fivetran keeps daily times in UTC" in all_text(answer)
    assert not answer.ephemeral  # a change is told to the channel


async def test_a_frequency_fivetran_does_not_take_is_refused_with_the_allowed_values(e2e: E2E) -> None:
    _, name = e2e.connection_named("healthy")

    sent = await e2e.command(f"schedule {name} every 7h")

    answer = await e2e.wait_for_text("can't sync every 7h", since=sent)
    assert "`every 6h`" in all_text(answer) and "`every 8h`" in all_text(answer)
    assert e2e.sim_count(PATCH) == 0


async def test_a_viewer_may_see_the_schedule_but_not_change_it(e2e: E2E) -> None:
    connection_id, name = e2e.connection_named("healthy")
    before = e2e.sim.connections[connection_id].sync_frequency

    shown = await e2e.command(f"schedule {name}", user=VIEWER)
    await e2e.wait_for_text("Schedule of", since=shown)
    sent = await e2e.command(f"schedule {name} every 6h", user=VIEWER)

    refused = await e2e.wait_for_text("operator", since=sent)
    assert refused.ephemeral and refused.user == VIEWER
    assert e2e.sim_count(PATCH) == 0
    assert e2e.sim.connections[connection_id].sync_frequency == before


async def test_reconnect_on_a_broken_login_answers_the_presser_alone_with_the_connect_card(e2e: E2E) -> None:
    connection_id, name = e2e.connection_named("healthy")
    conn = e2e.sim.connections[connection_id]
    conn.setup_state = "broken"
    conn.tasks = [{"code": "invalid_credentials", "message": "Invalid credentials"}]
    shown = await e2e.command(f"show {name}")
    view = await e2e.wait_for_message(lambda m: "Reconnect" in labels(m), since=shown)
    assert "Schedule" in labels(view)

    sent = await e2e.click(view, "Reconnect")

    answer = await e2e.wait_for_text("connect-card/setup", since=sent)
    assert answer.ephemeral and answer.user == OPERATOR
    assert "expires" in all_text(answer)
    assert e2e.sim_count(CONNECT_CARD) == 1


async def test_a_viewer_pressing_reconnect_gets_no_link(e2e: E2E) -> None:
    connection_id, name = e2e.connection_named("healthy")
    e2e.sim.connections[connection_id].setup_state = "incomplete"
    shown = await e2e.command(f"show {name}")
    view = await e2e.wait_for_message(lambda m: "Reconnect" in labels(m), since=shown)

    sent = await e2e.click(view, "Reconnect", user=VIEWER)

    refused = await e2e.wait_for_text("operator", since=sent)
    assert refused.ephemeral and "connect-card" not in all_text(refused)
    assert e2e.sim_count(CONNECT_CARD) == 0
