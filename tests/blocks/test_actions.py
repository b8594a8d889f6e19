from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.actions import render_action_result, render_follow
from bot.fivetran.models import SetupTest
from bot.services.pipelines.actions import ActionResult
from bot.services.pipelines.sync_follower import FollowUpdate, Phase
from tests.blocks.checks import assert_safe
from tests.blocks.factory import HOSTILE, NOW

CID = "decidedly_conventional"


def _result(**fields: object) -> ActionResult:
    base: dict[str, object] = {"ok": True, "action": "pause", "connection_id": CID, "summary": "Paused."}
    base.update(fields)
    return ActionResult(**base)  # type: ignore[arg-type]


def test_a_done_action_names_who_did_what_to_which_connector() -> None:
    result = _result(summary="Paused: no syncs will run until it is resumed.")
    message = render_action_result(result, actor="U1", connection_name="salesforce_prod", now=NOW)
    assert message.blocks[0] == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": ":white_check_mark: <@U1> paused *salesforce_prod*: "
            "Paused: no syncs will run until it is resumed.",
        },
    }
    show = message.blocks[1]["elements"][0]
    assert (show["action_id"], show["value"]) == (ids.aid(ids.SHOW), CID)


def test_a_refused_action_says_why_and_quotes_fivetran() -> None:
    result = _result(
        ok=False, action="resync", summary="A sync is running.", detail="Cannot resync <now>", code="Conflict"
    )
    text = render_action_result(result, actor="U1", connection_name="x", now=NOW).blocks[0]["text"]["text"]
    assert text == ":warning: Could not re-sync *x*: A sync is running. (Fivetran: Cannot resync &lt;now&gt;)"


def test_an_actor_that_is_not_a_user_id_is_escaped_text() -> None:
    message = render_action_result(_result(), actor="<!channel>", connection_name="x", now=NOW)
    assert message.blocks[0]["text"]["text"].startswith(":white_check_mark: &lt;!channel&gt; paused")


def test_setup_test_results_are_listed_for_test() -> None:
    tests = [
        SetupTest(title="Connect", status="PASSED"),
        SetupTest(title="Grant", status="FAILED", message="no"),
    ]
    result = _result(ok=False, action="test", summary="1 of 2 setup tests failed.", setup_tests=tests)
    text = json.dumps(
        render_action_result(result, actor="U1", connection_name="x", now=NOW).blocks, ensure_ascii=False
    )
    assert "✓ *Connect* (PASSED)" in text and "✗ *Grant* (FAILED): no" in text


def test_a_requested_sync_names_the_requester() -> None:
    message = render_follow(None, actor="U1", connection_name="x", connection_id=CID)
    assert message.blocks == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": ":arrows_counterclockwise: Sync of *x* requested by <@U1>…"},
        }
    ]


def test_a_forced_sync_says_force() -> None:
    message = render_follow(None, actor="U1", connection_name="x", connection_id=CID, force=True)
    assert message.text.startswith(":arrows_counterclockwise: Force sync of *x*")


@pytest.mark.parametrize(
    ("update", "text"),
    [
        (
            FollowUpdate(Phase.SYNCING, 12),
            ":arrows_counterclockwise: Syncing *x*… (started 12s after the request)",
        ),
        (FollowUpdate(Phase.SUCCEEDED, 252), ":white_check_mark: Sync of *x* succeeded in 4m 12s"),
        (
            FollowUpdate(Phase.FAILED, 60, note="Token expired"),
            ":x: Sync of *x* failed after 1m: Token expired",
        ),
        (
            FollowUpdate(Phase.PAUSED, 5),
            ":double_vertical_bar: Sync of *x* stopped: the connector was paused.",
        ),
    ],
)
def test_follow_phases_read_plainly(update: FollowUpdate, text: str) -> None:
    message = render_follow(update, actor="U1", connection_name="x", connection_id=CID)
    assert message.blocks[0]["text"]["text"] == text


def test_a_failed_sync_offers_show_and_sync_again() -> None:
    message = render_follow(FollowUpdate(Phase.FAILED, 1), actor="U1", connection_name="x", connection_id=CID)
    buttons = [(e["action_id"], e["value"]) for e in message.blocks[-1]["elements"]]
    assert buttons == [(ids.aid(ids.SHOW), CID), (ids.aid(ids.SYNC), CID)]


def test_a_succeeded_sync_offers_only_show_and_a_running_one_nothing() -> None:
    done = render_follow(FollowUpdate(Phase.SUCCEEDED, 1), actor="U1", connection_name="x", connection_id=CID)
    assert [e["action_id"] for e in done.blocks[-1]["elements"]] == [ids.aid(ids.SHOW)]
    running = render_follow(
        FollowUpdate(Phase.SYNCING, 1), actor="U1", connection_name="x", connection_id=CID
    )
    assert all(b["type"] != "actions" for b in running.blocks)


@pytest.mark.parametrize("manual", [False, True])
@pytest.mark.parametrize("phase", list(Phase))
def test_every_follow_phase_fits_and_escapes_hostile_notes(phase: Phase, manual: bool) -> None:
    long = HOSTILE * 100
    update = FollowUpdate(phase, 99_999, note=long, manual=manual, resume_at=NOW, restarts=3, at=NOW)
    for actor in ("U1", long):
        assert_safe(render_follow(update, actor=actor, connection_name=long, connection_id=long))
    assert_safe(render_follow(None, actor="U1", connection_name=long, connection_id=CID))


QUOTA_BACK = NOW + timedelta(hours=2, minutes=5)  # 14:05 UTC
# The date token of QUOTA_BACK (each reader's own zone), and how far off it is.
BACK = f"<!date^{int(QUOTA_BACK.timestamp())}^{{date_short_pretty}} {{time}}|2026-05-09 14:05 UTC>"
BACK_IN = f"{BACK} (in 2h 5m)"


def _quota(phase: Phase, *, manual: bool, **fields: Any) -> str:
    update = FollowUpdate(phase, 60, manual=manual, at=NOW, **{"resume_at": QUOTA_BACK, **fields})
    message = render_follow(update, actor="U1", connection_name="x", connection_id=CID)
    text: str = message.blocks[0]["text"]["text"]
    return text


@pytest.mark.parametrize(
    ("phase", "manual", "fields", "text"),
    [
        (
            Phase.RESCHEDULED,
            False,
            {},
            ":hourglass: Sync of *x* was rescheduled: the source's API quota is used up. "
            f"Fivetran resumes it at {BACK_IN}.",
        ),
        (
            Phase.RESCHEDULED,
            False,
            {"resume_at": None},
            ":hourglass: Sync of *x* was rescheduled: the source's API quota is used up. "
            "Fivetran resumes it when the quota allows.",
        ),
        (
            Phase.WAITING,
            True,
            {},
            f":hourglass: Fivetran paused this sync of *x* until {BACK} (source quota); this connector "
            "is on a manual schedule, so I'll start it again then.",
        ),
        (
            Phase.RESTARTED,
            True,
            {"restarts": 1},
            ":arrows_counterclockwise: I started the sync of *x* again: Fivetran had paused it until "
            f"{BACK} (source quota)…",
        ),
        (
            Phase.RESCHEDULED,
            True,
            {},
            f":hourglass: Fivetran paused this sync of *x* until {BACK} (source quota). This connector is "
            f"on a manual schedule, so nothing starts it again by itself: `/hvr sync {CID}` after {BACK_IN} "
            "does.",
        ),
        (
            Phase.RESCHEDULED,
            True,
            {"resume_at": None},
            ":hourglass: Fivetran paused this sync of *x* (source quota) without saying until when. This "
            f"connector is on a manual schedule, so nothing starts it again by itself: `/hvr sync {CID}` "
            "once the source allows does.",
        ),
        (
            Phase.RESCHEDULED,
            True,
            {"restarts": 5},
            f":hourglass: Fivetran paused this sync of *x* until {BACK} (source quota), again. I started "
            "it again 5 times already, so I'm leaving it: this connector is on a manual schedule, so nothing "
            f"starts it by itself; `/hvr sync {CID}` after {BACK_IN} does.",
        ),
        (
            Phase.RESCHEDULED,
            True,
            {"note": "The account has used its Fivetran API budget for now."},
            f":hourglass: Fivetran paused this sync of *x* until {BACK} (source quota). I tried to start "
            "it again then, but could not: The account has used its Fivetran API budget for now. "
            f"`/hvr sync {CID}` after {BACK_IN} starts it.",
        ),
        (
            Phase.SUCCEEDED,
            True,
            {"restarts": 1},
            ":white_check_mark: Sync of *x* succeeded in 1m after I started it again",
        ),
        (
            Phase.SYNCING,
            True,
            {"restarts": 1},
            ":arrows_counterclockwise: Syncing *x*… (started again after the source quota pause)",
        ),
    ],
)
def test_a_sync_paused_for_the_source_quota_says_who_starts_it_again_and_when(
    phase: Phase, manual: bool, fields: dict[str, Any], text: str
) -> None:
    assert _quota(phase, manual=manual, **fields) == text


@pytest.mark.parametrize("phase", [Phase.RESCHEDULED, Phase.WAITING, Phase.RESTARTED, Phase.SUCCEEDED])
@pytest.mark.parametrize("restarts", [0, 2])
def test_a_manual_connector_never_reads_that_fivetran_retries(phase: Phase, restarts: int) -> None:
    text = _quota(phase, manual=True, restarts=restarts)
    assert "Fivetran resumes" not in text and "retry" not in text.lower()


def test_a_time_a_day_away_is_a_token_whose_fallback_has_its_date() -> None:
    at = NOW + timedelta(days=1, hours=2)
    text = _quota(Phase.WAITING, manual=True, resume_at=at)
    token = f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|2026-05-10 14:00 UTC>"
    assert f"until {token} (source quota)" in text


def test_a_manual_sync_nothing_will_start_again_offers_sync_again() -> None:
    update = FollowUpdate(Phase.RESCHEDULED, 1, manual=True, resume_at=QUOTA_BACK, at=NOW)
    message = render_follow(update, actor="U1", connection_name="x", connection_id=CID)
    assert [e["action_id"] for e in message.blocks[-1]["elements"]] == [ids.aid(ids.SHOW), ids.aid(ids.SYNC)]
    waiting = render_follow(
        replace(update, phase=Phase.WAITING), actor="U1", connection_name="x", connection_id=CID
    )
    assert all(b["type"] != "actions" for b in waiting.blocks)  # not final: nothing to press yet


@pytest.mark.parametrize("ok", [True, False])
@pytest.mark.parametrize(
    "action", ["sync", "force_sync", "pause", "resume", "test", "resync", "table", "new_thing"]
)
def test_every_action_result_fits_and_escapes_hostile_text(ok: bool, action: str) -> None:
    long = HOSTILE * 100
    tests = [SetupTest(title=long, status=long, message=long) for _ in range(100)]
    result = _result(ok=ok, action=action, summary=long, detail=long, setup_tests=tests)
    for actor in ("U1", long):
        assert_safe(render_action_result(result, actor=actor, connection_name=long, now=NOW))
