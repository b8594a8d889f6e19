from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.blocks import ids
from bot.blocks.digest import (
    MAX_PROBLEM_ROWS,
    render_digest,
    render_digest_added,
    render_digest_list,
    render_digest_removed,
    render_digest_unavailable,
)
from bot.scheduler.schedule import parse_schedule
from bot.services.digests.service import build_digest
from bot.services.pipelines.health import Health
from bot.services.pipelines.selectors import Selector
from bot.slack_double.limits import block_problems
from bot.storage.subscriptions import Subscription
from tests.blocks.checks import assert_safe
from tests.blocks.factory import HOSTILE, NOW, connection, make_snapshot, snapshot

BERLIN = ZoneInfo("Europe/Berlin")


def buttons(blocks: list[dict[str, object]]) -> list[dict[str, object]]:
    return [b["accessory"] for b in blocks if isinstance(b.get("accessory"), dict)]  # type: ignore[misc]


def subscription(**fields: object) -> Subscription:
    values: dict[str, object] = {
        "id": "3fk2q9",
        "kind": "digest",
        "channel_id": "C1",
        "created_by": "U1",
        "schedule": "weekdays 09:00",
        "timezone": "Europe/Berlin",
        "selector": "group:prod",
        "options": {"only_problems": True},
        "created_at": NOW,
        "updated_at": NOW,
        "active": True,
    }
    values.update(fields)
    return Subscription(**values)  # type: ignore[arg-type]


def test_an_all_healthy_digest_is_one_compact_section() -> None:
    snap = snapshot(connection(id="a"), connection(id="b", status={"sync_state": "syncing"}))
    content = build_digest(snap, Selector(), None, now=NOW, only_problems=False)
    message = render_digest(content, now=NOW, tz=UTC)
    assert_safe(message)
    assert len(message.blocks) == 2
    assert "All 2 connectors are healthy" in message.blocks[0]["text"]["text"]
    assert "1 syncing" in message.blocks[0]["text"]["text"]


def test_problems_show_what_is_wrong_and_since_when_with_a_button_to_open_each() -> None:
    snap = snapshot(
        connection(id="ok", schema="ok"),
        connection(
            id="br", schema="br", status={"setup_state": "broken", "tasks": [{"message": "Re-authorize"}]}
        ),
        connection(id="fa", schema="fa", failed_at=(NOW - timedelta(hours=1)).isoformat()),
        connection(
            id="re",
            schema="re",
            status={"sync_state": "rescheduled", "rescheduled_for": (NOW + timedelta(hours=2)).isoformat()},
        ),
        connection(
            id="pa",
            schema="pa",
            paused=True,
            status={"sync_state": "paused"},
            succeeded_at=(NOW - timedelta(days=3)).isoformat(),
        ),
        connection(id="de", schema="de", status={"update_state": "delayed"}),
        connection(id="in", schema="in", status={"setup_state": "incomplete"}),
    )
    content = build_digest(snap, Selector(), None, now=NOW, only_problems=False)
    message = render_digest(content, now=NOW, tz=BERLIN)
    assert_safe(message)
    body = repr(message.blocks)
    assert "Broken: Re-authorize" in body
    assert "Failing since the last success 3h ago · last failure 1h ago" in body
    assert (
        "Rescheduled until <!date^1778335200^{date_short_pretty} {time}|Sat 09 May 16:00 CEST> (in 2h)"
        in body
    )
    assert "Paused · no sync for 3d" in body
    assert "Delayed: data is late" in body
    assert "Setup incomplete" in body
    opened = buttons(message.blocks)
    assert [b["value"] for b in opened] == ["br", "in", "fa", "pa", "re", "de"]
    assert all(ids.base_of(str(b["action_id"])) == ids.SHOW for b in opened)
    assert "6 problems" not in message.text and "1 broken" in message.text


def test_changes_since_the_previous_digest_are_listed() -> None:
    snap = snapshot(
        connection(id="healed", schema="healed"),
        connection(id="fresh", schema="fresh", failed_at=(NOW - timedelta(hours=1)).isoformat()),
    )
    content = build_digest(snap, Selector(), {"healed": "broken"}, now=NOW, only_problems=False)
    message = render_digest(content, now=NOW, tz=UTC)
    body = repr(message.blocks)
    assert "1 new problem: *fresh* (failing)" in body
    assert "1 recovered: *healed* (was broken)" in body
    assert ":new:" in body


def test_recoveries_show_in_the_all_healthy_form_too() -> None:
    snap = snapshot(connection(id="healed", schema="healed"))
    content = build_digest(snap, Selector(), {"healed": "failing"}, now=NOW, only_problems=False)
    message = render_digest(content, now=NOW, tz=UTC)
    assert "Recovered since the previous digest: *healed* (was failing)" in repr(message.blocks)


def test_five_thousand_connectors_with_hundreds_of_problems_fit_one_message() -> None:
    snap = make_snapshot(5000, seed=3)
    content = build_digest(snap, Selector(), {}, now=NOW, only_problems=False)
    problems = len(content.problems)
    assert problems > 500
    message = render_digest(content, now=NOW, tz=UTC)
    assert_safe(message)
    assert block_problems(message.blocks) == []
    assert len(buttons(message.blocks)) == MAX_PROBLEM_ROWS
    more = next(
        b["text"]["text"] for b in message.blocks if "more:" in str(b.get("text", {}).get("text", ""))
    )
    assert f"…and {problems - MAX_PROBLEM_ROWS:,} more" in more
    assert "`/hvr list status:failing`" in more and "`/hvr list status:delayed`" in more


def test_the_and_more_commands_keep_the_subscriptions_selector() -> None:
    snap = make_snapshot(500, seed=1, n_groups=1)
    selector = Selector(groups=("dest_0",), statuses=(Health.FAILING, Health.BROKEN))
    content = build_digest(snap, selector, None, now=NOW, only_problems=False)
    message = render_digest(content, now=NOW, tz=UTC)
    assert "`/hvr list group:dest_0 status:failing`" in repr(message.blocks)


def test_names_and_task_messages_from_fivetran_are_escaped() -> None:
    snap = make_snapshot(60, seed=2, name=HOSTILE)
    for c in snap.connections.values():
        for task in c.status.tasks:
            task.message = HOSTILE
    content = build_digest(snap, Selector(groups=(HOSTILE,)), None, now=NOW, only_problems=False)
    assert_safe(render_digest(content, now=NOW, tz=UTC))
    content = build_digest(snap, Selector(), {"x": "broken"}, now=NOW, only_problems=False)
    assert_safe(render_digest(content, now=NOW, tz=UTC))


def test_no_matching_connectors_says_so() -> None:
    snap = make_snapshot(10)
    content = build_digest(snap, Selector(groups=("nope",)), None, now=NOW, only_problems=False)
    message = render_digest(content, now=NOW, tz=UTC)
    assert_safe(message)
    assert "no connectors match `group:nope`" in message.text


def test_the_unavailable_digest_says_the_data_could_not_be_fetched_and_when() -> None:
    message = render_digest_unavailable("Could not connect: <refused>", now=NOW, tz=BERLIN)
    assert_safe(message)
    assert (
        "could not be fetched from Fivetran at <!date^1778328000^{date_short_pretty} {time}|Sat 09 May 14:00 CEST>"
        in message.text
    )
    assert "&lt;refused&gt;" in repr(message.blocks)


def test_the_added_answer_shows_the_schedule_selector_and_next_fires_in_the_zone() -> None:
    sub = subscription()
    fires = parse_schedule("weekdays 09:00", BERLIN).next_fire_times(NOW, 2)
    message = render_digest_added(sub, fires, now=NOW)
    assert_safe(message)
    text = message.blocks[0]["text"]["text"]
    assert "every weekday at 09:00 Europe/Berlin · `group:prod` · only when there are problems" in text
    assert "<!date^1778482800^{date_short_pretty} {time}|Mon 11 May 09:00 CEST> (in 43h)" in text
    assert "`/hvr digest remove 3fk2q9`" in text


def test_the_list_shows_each_digest_with_its_next_fire_and_how_to_remove_it() -> None:
    first = subscription()
    second = subscription(
        id="abc", schedule="every 15m", timezone="UTC", selector="", options={}, created_by=HOSTILE
    )
    message = render_digest_list([(first, datetime(2026, 5, 11, 7, 0, tzinfo=UTC)), (second, None)], now=NOW)
    assert_safe(message)
    body = repr(message.blocks)
    assert "Next: <!date^1778482800^{date_short_pretty} {time}|Mon 11 May 09:00 CEST> (in 43h)" in body
    assert "every 15 minutes UTC · all connectors" in body
    assert "`/hvr digest remove abc`" in body and "added by <@U1>" in body


def test_a_selector_this_version_cannot_read_is_listed_as_stored() -> None:
    sub = subscription(selector="status:exploded group:prod")
    body = repr(render_digest_list([(sub, None)], now=NOW).blocks)
    assert "`status:exploded group:prod`" in body


def test_an_empty_list_says_how_to_add_one() -> None:
    message = render_digest_list([], now=NOW)
    assert_safe(message)
    assert "/hvr digest add weekdays 09:00" in message.text


def test_a_long_list_stays_under_fifty_blocks() -> None:
    items = [(subscription(id=f"id{i}"), None) for i in range(60)]
    assert_safe(render_digest_list(items, now=NOW))


def test_removed_and_not_found_answers() -> None:
    assert "removed" in render_digest_removed("abc").text
    missing = render_digest_removed("<!here>", removed=False)
    assert_safe(missing)
    assert "no digest" in missing.text
