"""Every view the bot renders, driven with 0, 1 and 2 of whatever it counts, walked by `tests.native`:
no fixed UTC time where a date token fits, no raw user id outside a mention, counts in the right form,
suggested selectors that parse when typed with smart quotes. (The end-to-end suite walks what its scenarios
sent as well: `running_bot` checks every payload the Slack double saw.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.actions import follow_notice, render_action_result, render_follow
from bot.blocks.alerts import (
    render_alert,
    render_flapping,
    render_recovered_update,
    render_recovery_reply,
    render_watch_added,
    render_watch_list,
)
from bot.blocks.audit import render_audit, render_audit_mirror
from bot.blocks.columns import render_columns
from bot.blocks.connectors import render_list
from bot.blocks.digest import (
    render_digest,
    render_digest_added,
    render_digest_list,
    render_digest_unavailable,
)
from bot.blocks.forms import render_digest_form, render_watch_form
from bot.blocks.governance import (
    BulkLine,
    render_access_list,
    render_approval_outcome,
    render_approval_request,
    render_bulk_preview,
    render_bulk_progress,
    render_bulk_report,
)
from bot.blocks.groups import render_group, render_groups
from bot.blocks.home import TakenIncident, render_home
from bot.blocks.incidents import Incident, render_reminder, render_snooze_summary, render_snoozed
from bot.blocks.prompts import render_cancelled, render_confirmed, render_help, render_refused
from bot.blocks.schedule import render_connect_card, render_schedule
from bot.blocks.schemas import render_schemas, render_tables
from bot.blocks.show import render_show
from bot.fivetran.models import TableColumns
from bot.services.alerts.events import AlertEvent, AlertKind
from bot.services.digests.content import build_digest
from bot.services.pipelines.actions import ActionResult
from bot.services.pipelines.schedule import ScheduleChange, plan_schedule
from bot.services.pipelines.selectors import Selector, parse_selector_text
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.services.pipelines.sync_follower import FollowUpdate, Phase
from bot.storage.alert_messages import AlertMessage
from bot.storage.audit import AuditEntry
from bot.storage.follows import FollowedSync
from bot.storage.snoozes import Snooze
from bot.storage.subscriptions import Subscription
from tests.blocks.factory import NOW, connection, group, schema_settings, snapshot
from tests.native import problems

USER = "UOPER00001"
COUNTS = (0, 1, 2)


def failing(i: int) -> Any:
    return connection(
        id=f"conn_{i}",
        schema=f"source_{i}",
        failed_at=(NOW - timedelta(hours=1)).isoformat(),
        status={"tasks": [{"code": "x", "message": "Sync failed: 1 table could not be read"}]},
    )


def account(n: int) -> AccountSnapshot:
    """`n` failing connectors and `n` healthy ones, in one group."""
    healthy = [connection(id=f"ok_{i}", schema=f"ok_{i}") for i in range(n)]
    return snapshot(*[failing(i) for i in range(n)], *healthy, groups=[group()])


def subscription(kind: Literal["digest", "watch"], i: int) -> Subscription:
    return Subscription(
        id=f"sub{i}",
        kind=kind,
        channel_id="C1",
        created_by=USER,
        schedule="weekdays 09:00" if kind == "digest" else None,
        timezone="Europe/Berlin",
        selector='group:"Redshift Finance"',
        options={"events": ["failures", "recoveries"]} if kind == "watch" else {},
        created_at=NOW,
        updated_at=NOW,
        active=True,
    )


def entry(i: int, n: int) -> AuditEntry:
    return AuditEntry(
        id=i,
        request_id=f"r{i}",
        at=NOW - timedelta(minutes=5 + i),
        user_id=USER,
        channel_id="C1",
        source="command",
        action="pause",
        connectors=tuple(f"conn_{k}" for k in range(n)),
        parameters={},
        status="succeeded",
        fivetran_code=None,
        message="Paused.",
        finished_at=NOW,
    )


def snooze(held: int) -> Snooze:
    return Snooze(1, "conn_0", "C1", "1.0", USER, NOW, NOW + timedelta(hours=4), held, None, None)


def event(kind: AlertKind) -> AlertEvent:
    return AlertEvent("conn_0", kind, NOW - timedelta(minutes=5), "k", "webhook", message="Sync failed")


def views(n: int) -> Iterator[tuple[str, Any]]:
    snap = account(n)
    selected = list(snap.connections.values())
    lines = [BulkLine(f"source_{i}", status) for i, status in enumerate(["done", "failed"][:n])]
    pending = [BulkLine(f"source_{i}", "pending") for i in range(n)]
    skipped = [BulkLine(f"skip_{i}", "skipped", "already paused") for i in range(n)]
    digests = [subscription("digest", i) for i in range(n)]
    watches = [subscription("watch", i) for i in range(n)]
    entries = [entry(i, n) for i in range(n)]
    one = failing(0)
    alert = AlertMessage(1, "conn_0", "C1", "sub1", "1.000001", NOW - timedelta(hours=2), None, USER, NOW)
    patch = plan_schedule(ScheduleChange("daily", at="02:00", tz="Europe/Berlin"), date(2026, 5, 9))
    taken = [TakenIncident(f"source_{i}", f"conn_{i}", "C1", NOW - timedelta(hours=1), NOW) for i in range(n)]
    record = FollowedSync(
        1,
        "conn_0",
        "source_0",
        "C1",
        "1.0",
        USER,
        False,
        None,
        NOW,
        "h",
        NOW + timedelta(minutes=1),
        None,
        None,
    )

    yield "list", render_list(snap, selected, Selector(), page=1, now=NOW)
    yield "list none", render_list(snap, [], parse_selector_text('group:"Redshift Finance"'), page=1, now=NOW)
    yield "groups", render_groups(snap)
    yield "group", render_group(snap, group(), now=NOW)
    yield "show", render_show(snapshot(one), one, now=NOW)
    yield "schedule", render_schedule(one, name="source_0", now=NOW)
    daily = connection(sync_frequency=1440, daily_sync_time="02:00")
    yield "schedule daily", render_schedule(daily, name="x", now=NOW)
    yield "show daily", render_show(snapshot(daily), daily, now=NOW)
    yield "connect card", render_connect_card("source_0", "https://x/c", NOW + timedelta(hours=1), now=NOW)
    content = build_digest(
        snap, Selector(), {f"conn_{i}": "failing" for i in range(n - 1)}, now=NOW, only_problems=False
    )
    yield "digest", render_digest(content, now=NOW, tz=ZoneInfo("Europe/Berlin"))
    yield "digest unavailable", render_digest_unavailable("Fivetran did not answer.", now=NOW)
    yield "digest list", render_digest_list([(d, NOW + timedelta(hours=3)) for d in digests], now=NOW)
    if digests:
        yield "digest added", render_digest_added(digests[0], [NOW + timedelta(hours=3)], now=NOW)
        yield "watch added", render_watch_added(watches[0])
    yield "watch list", render_watch_list(watches, [f"source_{i}" for i in range(n)])
    yield "audit", render_audit(entries, connector=None, user=USER, now=NOW, names=snap.names())
    yield "audit named", render_audit(entries, connector="source_0", user=USER, user_name="Omar", now=NOW)
    if entries:
        yield "audit mirror", render_audit_mirror(entries[0], snap.names())
    roles = [(f"U0PERSON{i}", "operator", USER if i else "HVR_OPERATORS") for i in range(n)]
    yield "access", render_access_list(roles, viewer_role="admin")
    yield "bulk preview", render_bulk_preview("pause", "status:failing", pending, skipped, run_id="r1")
    yield (
        "bulk schedule",
        render_bulk_preview("schedule", "all connectors", pending, [], run_id="r", schedule=patch),
    )
    yield "bulk progress", render_bulk_progress("sync", [*lines, *pending], run_id="r1", by=USER)
    yield "bulk report", render_bulk_report("schedule", lines, by=USER)
    yield "approval", render_approval_request("source_0", requester=USER, request_id="a1", expires="in 1h")
    yield (
        "approved",
        render_approval_outcome("source_0", requester=USER, approver="UADMIN0001", approved=True),
    )
    yield (
        "home",
        render_home(
            snap, role="operator", now=NOW, subscriptions=digests, recent=entries, acknowledged=taken
        ),
    )
    yield (
        "alert",
        render_alert(
            event(AlertKind.SYNC_FAILED),
            one,
            snap,
            now=NOW,
            since=NOW - timedelta(hours=2),
            incident=Incident(USER, NOW, snooze(n)),
        ),
    )
    yield (
        "flapping",
        render_flapping(
            event(AlertKind.SYNC_FAILED), one, snap, failures=n, window=timedelta(hours=1), now=NOW
        ),
    )
    yield "recovered", render_recovered_update(event(AlertKind.RECOVERED), alert, one, snap, now=NOW)
    yield (
        "recovery reply",
        render_recovery_reply(event(AlertKind.RECOVERED), alert, one, now=NOW, held=snooze(n)),
    )
    yield "reminder", render_reminder("source_0", NOW - timedelta(hours=2), now=NOW)
    yield "snoozed", render_snoozed("source_0", snooze(n))
    yield "snooze over", render_snooze_summary("source_0", snooze(n), why="Snooze over")
    yield "cancelled", render_cancelled("the bulk pause", by=USER)
    yield "refused", render_refused("`sync` needs the operator role", ask=(USER, "S0GROUP"), by=USER)
    yield "confirmed", render_confirmed(USER, "pause conn_0", name="source_0", label="Pause")
    yield "help", render_help(None)
    result = ActionResult(True, "pause", "conn_0", "Paused.")
    yield "action", render_action_result(result, actor=USER, connection_name="source_0", now=NOW)
    for phase in Phase:
        update = FollowUpdate(
            phase, 3600, manual=True, resume_at=NOW + timedelta(hours=2), restarts=n, at=NOW
        )
        yield (
            f"follow {phase.value}",
            render_follow(update, actor=USER, connection_name="source_0", connection_id="conn_0"),
        )
        notice = follow_notice(update, record)
        if notice is not None:
            yield f"follow notice {phase.value}", notice
    settings = schema_settings({f"schema_{k}": {f"t{j}": {} for j in range(n)} for k in range(n)})
    yield "schemas", render_schemas(one, settings)
    yield "tables", render_tables(one, settings, None)
    columns = TableColumns.model_validate(
        {"columns": {f"c{j}": {"enabled": True, "hashed": j == 0, "is_primary_key": False} for j in range(n)}}
    )
    yield "columns", render_columns(one, "schema_0", "t0", columns)
    yield "digest form", render_digest_form("C1", default_tz="UTC")
    yield "watch form", render_watch_form("C1")


def payload(view: Any) -> Any:
    return view if isinstance(view, dict) else {"text": view.text, "blocks": view.blocks}


@pytest.mark.parametrize("n", COUNTS)
def test_every_view_reads_natively_with_none_one_and_two_of_what_it_counts(n: int) -> None:
    found = [f"{name}: {p}" for name, view in views(n) for p in problems(payload(view))]
    assert found == [], "\n".join(found)


def test_the_catalogue_covers_the_views_it_says() -> None:
    names = [name for name, _ in views(2)]
    assert len(names) == len(set(names))
    assert {"home", "audit", "digest", "bulk report", "follow rescheduled", "alert"} <= set(names)
