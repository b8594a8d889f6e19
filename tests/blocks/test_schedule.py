from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest

from bot.blocks import ids
from bot.blocks.actions import follow_notice
from bot.blocks.schedule import render_connect_card, render_schedule
from bot.blocks.show import render_show
from bot.commands.grammar import BulkCmd, UsageError, parse
from bot.commands.schedule_commands import ScheduleCmd
from bot.fivetran.models import ConnectCard
from bot.services.governance.bulk import decode_schedule, encode_schedule
from bot.services.pipelines.schedule import ScheduleChange, ScheduleError, plan_schedule
from bot.services.pipelines.sync_follower import FollowUpdate, Phase
from bot.storage.follows import FollowedSync
from tests.blocks.factory import NOW, connection, snapshot


def _reconnect_shown(**fields: object) -> bool:
    c = connection(**fields)
    blocks = render_show(snapshot(c), c, now=NOW).to_dict()["blocks"]
    return any(
        ids.base_of(e["action_id"]) == ids.RECONNECT
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    )


def test_the_schedule_view_shows_the_four_fields_fivetran_keeps() -> None:
    c = connection(sync_frequency=1440, daily_sync_time="01:00", schedule_type="auto")
    message = render_schedule(c, name="salesforce_prod", now=NOW).to_dict()
    # NOW is 12:00 UTC: the next 01:00 UTC is the next day's, each reader sees it on their own clock
    next_run = f"<!date^{int((NOW + timedelta(hours=13)).timestamp())}^{{time}}|01:00 UTC>"
    assert [f["text"] for f in message["blocks"][1]["fields"]] == [
        "*Schedule type*\nauto",
        "*Sync frequency*\n1440 min",
        f"*Daily sync time*\n01:00 UTC ({next_run} for you)",
        "*Paused*\nno",
    ]
    assert message["blocks"][0]["text"]["text"] == f"*Schedule of salesforce_prod*: daily at {next_run}"


def test_a_berlin_morning_becomes_the_utc_hour_of_that_day_and_says_so() -> None:
    winter = plan_schedule(ScheduleChange("daily", at="02:00", tz="Europe/Berlin"), date(2026, 12, 2))
    summer = plan_schedule(ScheduleChange("daily", at="02:00", tz="Europe/Berlin"), date(2026, 7, 2))
    assert winter.fields == {"sync_frequency": 1440, "daily_sync_time": "01:00"}
    assert summer.fields == {"sync_frequency": 1440, "daily_sync_time": "00:00"}
    assert "Fivetran keeps daily times in UTC" in winter.note


def test_a_local_time_off_the_utc_hour_is_refused() -> None:
    with pytest.raises(ScheduleError, match="on the hour in UTC"):
        plan_schedule(ScheduleChange("daily", at="09:00", tz="Asia/Kolkata"), date(2026, 12, 2))


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("schedule x every 6h", ScheduleChange("every", minutes=360)),
        ("schedule x every 15m", ScheduleChange("every", minutes=15)),
        ("schedule x manual", ScheduleChange("manual")),
        ("schedule x auto", ScheduleChange("auto")),
        ("schedule x daily 2:00 tz:europe/berlin", ScheduleChange("daily", at="02:00", tz="Europe/Berlin")),
        ("schedule x", None),
    ],
)
def test_the_schedule_grammar(text: str, change: ScheduleChange | None) -> None:
    assert parse(text) == ScheduleCmd("x", change)


@pytest.mark.parametrize("text", ["schedule x every 7h", "schedule x every 2m", "schedule x every day"])
def test_a_frequency_outside_the_spec_lists_the_allowed_ones(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse(text)
    assert "every 6h" in raised.value.message


def test_reconnect_shows_for_credentials_and_setup_but_not_for_an_unreachable_host() -> None:
    assert _reconnect_shown(status={"setup_state": "incomplete"})
    assert _reconnect_shown(
        status={"setup_state": "broken", "tasks": [{"code": "reconnect", "message": "m"}]}
    )
    assert _reconnect_shown(status={"setup_state": "broken"})
    assert not _reconnect_shown(
        status={"setup_state": "broken", "tasks": [{"code": "host_unreachable", "message": "m"}]}
    )
    assert not _reconnect_shown()


def test_the_connect_card_message_has_the_link_and_its_expiry_token() -> None:
    exp = int((NOW + timedelta(hours=1)).timestamp())
    claims = base64.urlsafe_b64encode(json.dumps({"exp": exp}).encode()).decode().rstrip("=")
    card = ConnectCard.model_validate(
        {
            "connector_id": "c",
            "connect_card": {
                "token": f"h.{claims}.s",
                "uri": "https://fivetran.com/connect-card/setup?auth=x",
            },
        }
    )
    assert card.expires_at == (NOW + timedelta(hours=1)).replace(microsecond=0)
    text = render_connect_card("pg", card.uri, card.expires_at, now=NOW).to_dict()["blocks"][0]["text"][
        "text"
    ]
    assert text.startswith(":link: <https://fivetran.com/connect-card/setup?auth=x|Reconnect pg>")
    assert "<!date^" in text and "in 1h" in text


def record() -> FollowedSync:
    return FollowedSync(
        id=1,
        connection_id="c1",
        connection_name="pg",
        channel_id="C1",
        message_ts="1.1",
        user_id="U1",
        force=False,
        baseline=None,
        started_at=NOW,
        holder="h",
        lease_until=NOW,
        finished_at=None,
        outcome=None,
    )


def test_a_followed_sync_pings_its_requester_when_it_fails_or_took_over_a_minute() -> None:
    quick_ok = FollowUpdate(Phase.SUCCEEDED, 30.0)
    slow_ok = FollowUpdate(Phase.SUCCEEDED, 61.0)
    quick_fail = FollowUpdate(Phase.FAILED, 5.0)
    assert follow_notice(quick_ok, record()) is None
    assert follow_notice(FollowUpdate(Phase.SYNCING, 300.0), record()) is None
    for update in (slow_ok, quick_fail):
        notice = follow_notice(update, record())
        assert notice is not None and "<@U1>" in notice.text


def test_a_schedule_on_a_selector_is_the_bulk_form_and_its_patch_survives_storage() -> None:
    cmd = parse("schedule group:finance status:failing daily 02:00 tz:Europe/Berlin")
    assert isinstance(cmd, BulkCmd) and cmd.action == "schedule"
    assert cmd.schedule == ScheduleChange("daily", at="02:00", tz="Europe/Berlin")
    patch = plan_schedule(cmd.schedule, date(2026, 12, 2))
    stored = encode_schedule(patch)
    assert stored == "schedule:f=1440@01:00" and len(stored) <= 64
    assert decode_schedule(stored).fields == patch.fields
    assert decode_schedule(
        encode_schedule(plan_schedule(ScheduleChange("manual"), date(2026, 12, 2)))
    ).fields == {"schedule_type": "manual"}
    with pytest.raises(UsageError):
        parse("schedule group:finance")
