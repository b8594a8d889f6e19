"""Alert and watch views: within Slack's limits, escaped, with the buttons to act."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.blocks import ids
from bot.blocks.alerts import (
    render_alert,
    render_flapping,
    render_recovered_update,
    render_recovery_reply,
    render_unwatched,
    render_watch_added,
    render_watch_list,
)
from bot.services.alerts.events import AlertEvent, AlertKind
from bot.storage.alert_messages import AlertMessage
from bot.storage.subscriptions import Subscription
from tests.blocks.checks import assert_safe, mrkdwn_texts
from tests.blocks.factory import HOSTILE, NOW, connection, snapshot

from .fakes import action_ids


def event(kind: AlertKind = AlertKind.BROKE, **fields: object) -> AlertEvent:
    values: dict[str, object] = {
        "connection_id": "decidedly_conventional",
        "kind": kind,
        "at": NOW - timedelta(minutes=5),
        "key": "k",
        "source": "webhook",
        "message": "Reconnect: the credentials were revoked",
    }
    values.update(fields)
    return AlertEvent(**values)  # type: ignore[arg-type]


def alert_row() -> AlertMessage:
    return AlertMessage(1, "decidedly_conventional", "C1", "sub1", "1.000001", NOW - timedelta(hours=2), None)


def subscription(sid: str = "3fk2q9", selector: str = "group:warehouse", **options: object) -> Subscription:
    return Subscription(
        id=sid,
        kind="watch",
        channel_id="C1",
        created_by="U1",
        schedule=None,
        timezone="UTC",
        selector=selector,
        options={"events": ["failures", "recoveries"], **options},
        created_at=NOW,
        updated_at=NOW,
        active=True,
    )


@pytest.mark.parametrize("kind", list(AlertKind))
def test_every_kind_of_alert_fits_slack_even_with_hostile_names(kind: AlertKind) -> None:
    conn = connection(schema=HOSTILE, service=HOSTILE, status={"tasks": [{"code": "x", "message": HOSTILE}]})
    hostile = event(kind, message=HOSTILE * 50, actor=HOSTILE, connector_name=HOSTILE)
    assert_safe(render_alert(hostile, conn, snapshot(conn), now=NOW))
    assert_safe(render_alert(hostile, None, None, now=NOW))


def test_a_failure_alert_says_what_to_whom_why_since_when_and_offers_show_sync_pause() -> None:
    conn = connection()
    message = render_alert(event(), conn, snapshot(conn), now=NOW, since=NOW - timedelta(hours=1))
    text = "\n".join(mrkdwn_texts(message.blocks))
    assert "*salesforce_prod* broke" in text
    assert "Reconnect: the credentials were revoked" in text
    assert "warehouse" in text
    # A Slack date token, so each reader sees their own zone; the UTC stamp is its fallback.
    assert "Failing since*\n<!date^1778324400^{date_short_pretty} {time}|2026-05-09 11:00 UTC> (1h)" in text
    assert "via Fivetran webhook" in text
    assert action_ids(message) == [ids.SHOW, ids.SYNC, ids.PAUSE, ids.ACKNOWLEDGE, ids.SNOOZE]
    assert message.text == "salesforce_prod broke: Reconnect: the credentials were revoked"


def test_a_broken_connector_without_a_reason_in_the_event_shows_its_task() -> None:
    conn = connection(status={"setup_state": "broken", "tasks": [{"code": "c", "message": "Re-authorize"}]})
    message = render_alert(event(message=None, source="poll"), conn, snapshot(conn), now=NOW)
    assert "*Reason:* Re-authorize" in "\n".join(mrkdwn_texts(message.blocks))
    assert "via polling" in "\n".join(mrkdwn_texts(message.blocks))


def test_an_alert_for_a_connector_the_snapshot_lacks_uses_the_webhook_fields() -> None:
    message = render_alert(
        event(connector_name="ftar_pg", group_id="g1", service="postgres"), None, None, now=NOW
    )
    text = "\n".join(mrkdwn_texts(message.blocks))
    assert "*ftar_pg* broke" in text and "g1" in text and "postgres" in text


def test_a_pause_says_who_and_offers_resume() -> None:
    conn = connection(paused=True)
    message = render_alert(event(AlertKind.PAUSED, actor="ana", message=None), conn, snapshot(conn), now=NOW)
    assert "*salesforce_prod* was paused by ana" in message.blocks[0]["text"]["text"]
    assert action_ids(message) == [ids.SHOW, ids.RESUME]


def test_a_successful_sync_only_offers_show() -> None:
    conn = connection()
    message = render_alert(event(AlertKind.SYNC_SUCCEEDED, message=None), conn, snapshot(conn), now=NOW)
    assert action_ids(message) == [ids.SHOW]


def test_flapping_summary_counts_the_failures_in_the_window() -> None:
    conn = connection(schema=HOSTILE)
    message = render_flapping(event(), conn, snapshot(conn), failures=3, window=timedelta(hours=1), now=NOW)
    assert_safe(message)
    assert "is flapping: it failed 3 times in the last 1h" in message.blocks[0]["text"]["text"]
    assert action_ids(message) == [ids.SHOW, ids.SYNC, ids.PAUSE, ids.ACKNOWLEDGE, ids.SNOOZE]


def test_the_recovered_update_tells_the_outage_and_keeps_only_show() -> None:
    conn = connection(schema=HOSTILE)
    recovered = event(AlertKind.SYNC_SUCCEEDED, at=NOW, message=None)
    message = render_recovered_update(recovered, alert_row(), conn, snapshot(conn), now=NOW)
    assert_safe(message)
    assert message.blocks[0]["text"]["text"].endswith("· Recovered after 2h")
    assert "(a sync succeeded)" in message.blocks[1]["elements"][0]["text"]
    assert action_ids(message) == [ids.SHOW]


def test_the_recovery_reply_says_after_how_long() -> None:
    message = render_recovery_reply(event(AlertKind.RECOVERED, at=NOW), alert_row(), now=NOW)
    assert_safe(message)
    assert message.text == "decidedly_conventional recovered after 2h"
    assert "after 2h (Fivetran reports it connected)." in message.blocks[0]["text"]["text"]


def test_watch_answers_fit_and_escape_what_people_typed() -> None:
    hostile = subscription(selector="group:<!channel> service:a&b")
    for message in (render_watch_added(hostile), render_watch_list([hostile]), render_unwatched("<!here>")):
        assert_safe(message)


def test_watch_added_names_the_id_to_unwatch() -> None:
    message = render_watch_added(subscription())
    assert (
        "Watching *group:warehouse* in this channel for failures, recoveries"
        in message.blocks[0]["text"]["text"]
    )
    assert "/hvr unwatch 3fk2q9" in message.blocks[0]["text"]["text"]


def test_watch_list_shows_each_watch_with_its_author() -> None:
    message = render_watch_list([subscription("aaaaaa", ""), subscription("bbbbbb")])
    text = "\n".join(mrkdwn_texts(message.blocks))
    assert "`aaaaaa` *all connectors*" in text and "`bbbbbb` *group:warehouse*" in text
    assert "by <@U1>" in text


def test_watch_list_does_not_forge_a_mention_from_a_stored_author() -> None:
    sub = subscription()
    forged = Subscription(**{**sub.__dict__, "created_by": "<!channel>"})
    assert_safe(render_watch_list([forged]))


def test_a_long_watch_list_stays_within_slack_limits() -> None:
    many = [subscription(f"{i:06d}", "group:" + "x" * 200) for i in range(600)]
    message = render_watch_list(many)
    assert_safe(message)
    assert "more" in message.blocks[-1]["elements"][0]["text"]


def test_an_empty_watch_list_says_how_to_start_one() -> None:
    assert "/hvr watch" in render_watch_list([]).text


def test_unwatching_an_unknown_id_says_so() -> None:
    assert "There is no watch `zzzzzz`" in render_unwatched("zzzzzz", found=False).text
