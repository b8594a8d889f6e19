"""`show` and `tables` of an HVR channel, compared as dicts: the same health words and emoji as a
connector's, the source's name in front, the hub's words escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.hub import render_channel_show, render_channel_tables
from bot.hvr.models import Channel, ChannelTable, Event, Job, Location
from bot.services.pipelines.health import Health
from bot.services.pipelines.hub_health import as_connection
from bot.services.pipelines.hub_views import ChannelView, job_views, location_views
from tests.blocks.checks import assert_fits_slack, assert_nothing_unescaped

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
CHANNEL = Channel.model_validate(
    {
        "name": "orders",
        "description": "orders to <the> warehouse",
        "tables": [{"name": "lines", "base_name": "LINES"}, {"name": "heads"}],
        "loc_groups": [{"name": "SOURCE", "members": ["src"]}, {"name": "TARGET", "members": ["dwh"]}],
        "actions": [
            {"type": "Capture", "loc_scope": "SOURCE"},
            {"type": "Integrate", "loc_scope": "TARGET"},
            {"type": "Scheduling", "params": {"LatencySLA": 600}},
        ],
    }
)
LOCATIONS = [
    Location.model_validate(
        {"name": "src", "props": {"Class": "oracle", "Agent_Host": "db1", "Agent_Port": 4343}}
    ),
    Location.model_validate({"name": "dwh", "props": {"Class": "snowflake"}}),
]
JOBS = [
    Job.model_validate({"name": "orders-integ-dwh", "state": "FAILED", "num_retries": 3, "latency": 40}),
    Job.model_validate({"name": "orders-cap-src", "state": "RUNNING", "latency": 5}),
    Job.model_validate({"name": "orders-refr-src-dwh", "state": "DONE"}),
]
EVENTS = [
    Event.model_validate(
        {
            "ev_id": "2026-12-02T11:00:00.000001Z",
            "type": "Refresh",
            "state": "DONE",
            "description": "Refresh of orders",
            "start_tstamp": "2026-12-02T11:00:00.000001Z",
        }
    )
]


def view(jobs: list[Job] = JOBS, error: str | None = "F_JD0A2E: ORA-01017 <!channel> & co") -> ChannelView:
    return ChannelView(
        "east",
        "hvrhub",
        as_connection("east", "hvrhub", CHANNEL, jobs),
        CHANNEL,
        location_views(CHANNEL, LOCATIONS),
        job_views("orders", jobs, {"orders-integ-dwh": error}),
        tuple(EVENTS),
    )


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_a_failing_channel_shows_its_locations_jobs_last_error_and_events() -> None:
    message = render_channel_show(view(), Health.FAILING, now=NOW)
    assert message.blocks[:2] == [
        {"type": "header", "text": {"type": "plain_text", "text": "east:orders", "emoji": True}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": t}
                for t in (
                    "*Service*\nHVR 6 channel",
                    "*Hub*\neast:hvrhub",
                    "*Health*\n:x: Failing",
                    "*Latency SLA*\n10m",
                    "*Tables*\n2",
                    "*Jobs*\n3",
                )
            ],
        },
    ]
    assert message.blocks[3:7] == [
        _section(
            ":x: *Next step:* Fix the job's error below, then Sync: it starts the jobs again, retrying the failed one"
        ),
        _section("*Locations*\n• *src* (source) · oracle · via `db1:4343`\n• *dwh* (target) · snowflake"),
        _section(
            "*Jobs*\n"
            "✓ `orders-cap-src` RUNNING · latency 5s\n"
            "✗ `orders-integ-dwh` FAILED · 3 retries · latency 40s\n"
            "      ↳ F_JD0A2E: ORA-01017 &lt;!channel&gt; &amp; co\n"
            "✓ `orders-refr-src-dwh` DONE"
        ),
        _section("*Recent events*\n• Refresh of orders: DONE · 59m ago"),
    ]
    assert (
        message.text
        == "east:orders: Failing (orders-integ-dwh: F_JD0A2E: ORA-01017 &lt;!channel&gt; &amp; co)"
    )
    buttons = [e["text"]["text"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Sync", "Pause", "Run tests", "Tables", "Re-sync"]
    assert_fits_slack(message)
    assert_nothing_unescaped(message)


def test_a_failed_job_whose_log_says_nothing_is_said_so() -> None:
    message = render_channel_show(view(error=None), Health.FAILING, now=NOW)
    jobs = message.blocks[5]["text"]["text"]
    assert "↳ _its log holds no error line_" in jobs and message.text == "east:orders: Failing"


def test_a_paused_channel_offers_resume_and_a_delayed_one_names_its_sla() -> None:
    paused = [
        Job.model_validate({"name": n, "state": "SUSPEND"}) for n in ("orders-cap-src", "orders-integ-dwh")
    ]
    message = render_channel_show(view(paused), Health.PAUSED, now=NOW)
    buttons = [e["text"]["text"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert (
        buttons[1] == "Resume"
        and ":double_vertical_bar: *Next step:* Resume" in message.blocks[3]["text"]["text"]
    )
    late = [Job.model_validate({"name": "orders-integ-dwh", "state": "RUNNING", "latency": 1800})]
    delayed = render_channel_show(view(late), Health.DELAYED, now=NOW)
    assert delayed.blocks[3] == _section(
        ":snail: *Next step:* Its latency is over its SLA of 10m: check the integrate job and the target"
    )


def test_the_channels_tables_each_with_a_per_table_refresh() -> None:
    row = as_connection("east", "hvrhub", CHANNEL, JOBS)
    tables = [ChannelTable(name="lines", base_name="LINES"), ChannelTable(name="<heads>")]
    message = render_channel_tables(row, "east", tables)
    assert message.blocks[:3] == [
        {"type": "header", "text": {"type": "plain_text", "text": "Tables of east:orders", "emoji": True}},
        _section("2 tables in *east:orders*, as the hub's definition lists them"),
        _section("*lines* · base name `LINES`"),
    ]
    resync = message.blocks[3]["elements"][0]
    assert resync["action_id"] == ids.aid(ids.RESYNC_TABLE, 0)
    assert ids.unpack(resync["value"]) == {"c": "east:orders", "s": "orders", "t": "lines"}
    assert resync["confirm"]["title"]["text"] == "Refresh table?"
    assert message.blocks[4] == _section("*&lt;heads&gt;*")
    assert message.blocks[-1]["elements"][0]["text"].startswith("Page 1 of 1 · enabling tables, schemas")
    assert_nothing_unescaped(message)


def test_a_channel_without_tables_says_so() -> None:
    row = as_connection("east", "hvrhub", CHANNEL, JOBS)
    message = render_channel_tables(row, "east", [])
    assert message.blocks == [_section("No tables in *east:orders*: its definition in the hub lists none.")]


def test_many_tables_are_paged() -> None:
    row = as_connection("east", "hvrhub", CHANNEL, JOBS)
    tables = [ChannelTable(name=f"t{i:02d}") for i in range(45)]
    second = render_channel_tables(row, "east", tables, page=2)
    assert second.blocks[2] == _section("*t20*")
    pager = [
        e["text"]["text"]
        for b in second.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if "Re-sync" not in e["text"]["text"]
    ]
    assert pager == ["◀ Prev", "Next ▶"]


def test_a_channels_list_row_says_the_hubs_next_step_and_offers_its_tables() -> None:
    from bot.blocks.rows import connector_row
    from bot.services.pipelines.snapshot import AccountSnapshot

    row = as_connection("east", "hvrhub", CHANNEL, JOBS)
    snapshot = AccountSnapshot({}, {row.id: row}, NOW, {row.id: Health.FAILING})
    block = connector_row(snapshot, row, 0, now=NOW)
    assert block["text"]["text"] == (
        ":x: *orders* · hvr6 · hvrhub\n"
        "Failing · Fix the job's error (`/hvr show`), then Sync: it starts the jobs again, retrying the failed one"
    )
    menu = [o["text"]["text"] for o in block["accessory"]["options"]]
    assert menu == ["Show", "Sync", "Pause", "Run setup tests", "Tables"]
