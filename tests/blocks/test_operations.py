"""The status message of a followed hub operation, compared as dicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.blocks import ids
from bot.blocks.actions import follow_notice, render_followed
from bot.blocks.operations import compare_result_text
from bot.services.pipelines.operations import EventState, JobView, OperationView, TableOutcome
from bot.services.pipelines.sync_follower import FollowUpdate, Phase
from bot.storage.follows import FollowedSync
from tests.blocks.checks import assert_safe

START = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
EV = "2026-12-02T12:00:00.000001Z"


def _record(kind: str, tables: list[str] | None = None, event_id: str | None = EV) -> FollowedSync:
    return FollowedSync(
        id=1,
        connection_id="east:orders",
        connection_name="east:orders",
        channel_id="C1",
        message_ts="1.1",
        user_id="U1",
        force=False,
        baseline=None,
        started_at=START,
        holder="h",
        lease_until=START + timedelta(minutes=3),
        finished_at=None,
        outcome=None,
        kind=kind,
        event_id=event_id,
        tables=tables,
    )


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


SHOW = {
    "type": "actions",
    "elements": [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Show", "emoji": True},
            "action_id": ids.aid(ids.SHOW),
            "value": "east:orders",
        }
    ],
}
REQUESTED_BY = {
    "type": "context",
    "elements": [{"type": "mrkdwn", "text": f"Requested by <@U1> · event `{EV}`"}],
}


def test_a_requested_refresh_names_its_tables_and_who_asked() -> None:
    message = render_followed(None, _record("refresh", ["customers", "lines"]))
    assert message.blocks == [
        _section(
            ":arrows_counterclockwise: Refresh of *east:orders* (`customers`, `lines`) requested by <@U1>…"
        )
    ]
    assert message.text.startswith(":arrows_counterclockwise: Refresh of *east:orders*")


def test_a_running_compare_says_so_with_its_event() -> None:
    running = OperationView(EV, "compare", EventState.ACTIVE)
    message = render_followed(FollowUpdate(Phase.SYNCING, 3.0, operation=running), _record("compare"))
    assert message.blocks == [
        _section(":arrows_counterclockwise: Comparing *east:orders*… (running on the hub)"),
        REQUESTED_BY,
    ]


def test_a_done_compare_shows_its_result_per_table_differences_marked() -> None:
    done = OperationView(
        EV,
        "compare",
        EventState.DONE,
        tables=(TableOutcome("customers", "different"), TableOutcome("lines", "identical")),
    )
    message = render_followed(FollowUpdate(Phase.SUCCEEDED, 31.0, operation=done), _record("compare"))
    assert message.blocks == [
        _section(":white_check_mark: Compare of *east:orders* done in 31s: 1 of 2 tables differs."),
        _section("*Per table*\n:warning: `customers` different\n:white_check_mark: `lines` identical"),
        SHOW,
        REQUESTED_BY,
    ]


def test_a_failed_refresh_says_the_hubs_words_and_the_requester_is_told_in_the_thread() -> None:
    failed = OperationView(EV, "refresh", EventState.FAILED, note="F_JX0A01E: <target> down")
    update = FollowUpdate(Phase.FAILED, 12.0, note=failed.note, operation=failed)
    message = render_followed(update, _record("refresh"))
    assert message.blocks[0] == _section(
        ":x: Refresh of *east:orders* failed after 12s: F_JX0A01E: &lt;target&gt; down"
    )
    notice = follow_notice(update, _record("refresh"))
    assert notice is not None
    assert notice.blocks == [
        _section(
            ":warning: <@U1> the refresh of *east:orders* you asked for did not succeed (failed, after 12s)."
        )
    ]


def test_a_canceled_event_is_said_canceled() -> None:
    canceled = OperationView(EV, "refresh", EventState.CANCELED)
    message = render_followed(FollowUpdate(Phase.CANCELED, 5.0, operation=canceled), _record("refresh"))
    assert message.blocks[0] == _section(
        ":heavy_multiplication_x: Refresh of *east:orders* was canceled on the hub after 5s."
    )


def test_a_hub_sync_says_its_jobs_run() -> None:
    jobs = (
        JobView("orders-cap-src", "RUNNING", failing=False, suspended=False),
        JobView("orders-integ-tgt", "RUNNING", failing=False, suspended=False),
    )
    record = _record("jobs", event_id=None)
    assert render_followed(None, record).blocks == [
        _section(
            ":arrows_counterclockwise: Sync of *east:orders* requested by <@U1>: starting its jobs, "
            "retrying failed ones…"
        )
    ]
    message = render_followed(FollowUpdate(Phase.SUCCEEDED, 6.0, jobs=jobs), record)
    assert message.blocks == [
        _section(":white_check_mark: Sync of *east:orders*: its 2 jobs running after 6s."),
        SHOW,
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Requested by <@U1>"}]},
    ]


def test_a_long_compare_lists_the_first_tables_and_counts_the_rest_escaped() -> None:
    tables = tuple(TableOutcome(f"t<{i}>", "identical") for i in range(45))
    text = compare_result_text(tables)
    assert text.count("\n") == 41  # the heading, 40 tables, the rest counted
    assert "`t&lt;0&gt;` identical" in text and text.endswith("…and 5 more tables.")
    assert compare_result_text(()) == "The hub gave no per-table result."


def test_hostile_names_are_safe() -> None:
    record = _record("compare", ["<!channel>"])
    done = OperationView(EV, "compare", EventState.DONE, tables=(TableOutcome("<@U2>", "<b>"),))
    for update in (None, FollowUpdate(Phase.SUCCEEDED, 1.0, operation=done)):
        assert_safe(render_followed(update, record))


def test_a_hub_sync_whose_job_failed_again_offers_to_sync_again() -> None:
    jobs = (JobView("orders-integ-tgt", "FAILED", failing=True, suspended=False),)
    update = FollowUpdate(Phase.FAILED, 6.0, note="orders-integ-tgt is FAILED", jobs=jobs)
    message = render_followed(update, _record("jobs", event_id=None))
    assert message.blocks[0] == _section(
        ":x: Sync of *east:orders* failed after 6s: orders-integ-tgt is FAILED"
    )
    again = message.blocks[1]["elements"][1]
    assert (again["text"]["text"], again["action_id"], again["value"], again["style"]) == (
        "Sync again",
        ids.aid(ids.SYNC),
        "east:orders",
        "primary",
    )
