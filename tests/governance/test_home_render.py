"""The Home view as a pure function: what it says with no data, what it links, what it escapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.blocks.home import render_home
from bot.storage.audit import AuditEntry
from bot.storage.subscriptions import Subscription
from tests.governance.conftest import Gov

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def subscription(**fields: object) -> Subscription:
    values: dict[str, object] = {
        "id": "ab12cd",
        "kind": "digest",
        "channel_id": "CDATA0001",
        "created_by": "UOPER0001",
        "schedule": "daily 09:00",
        "timezone": "Europe/Paris",
        "selector": "status:failing",
        "options": {},
        "created_at": NOW,
        "updated_at": NOW,
        "active": True,
        **fields,
    }
    return Subscription(**values)  # type: ignore[arg-type]


def entry(**fields: object) -> AuditEntry:
    values: dict[str, object] = {
        "id": 1,
        "request_id": "r1",
        "at": NOW - timedelta(minutes=5),
        "user_id": "UOPER0001",
        "channel_id": "CDATA0001",
        "source": "command",
        "action": "pause",
        "connectors": ("conn_1",),
        "parameters": {},
        "status": "succeeded",
        "fivetran_code": None,
        "message": "Paused.",
        "finished_at": NOW,
        **fields,
    }
    return AuditEntry(**values)  # type: ignore[arg-type]


def test_without_data_or_database_the_tab_says_so_and_nothing_more() -> None:
    assert render_home(None, role="viewer", now=NOW, problem="Fivetran is not answering.") == {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Fivetran at a glance"}},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": "Your role: *viewer* · `/hvr help` lists what you can do"}
                ],
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": ":warning: Fivetran is not answering."}},
        ],
    }


def test_subscriptions_link_their_channel_and_recent_actions_say_their_outcome() -> None:
    view = render_home(
        None,
        role="operator",
        now=NOW,
        subscriptions=[
            subscription(),
            subscription(id="ef34gh", kind="watch", channel_id="CALERTS01", schedule=None, selector="",
                         options={"events": ["failures"]}),
        ],
        recent=[entry(), entry(id=2, action="resync", status="refused", message="`resync` needs the admin role")],
    )  # fmt: skip
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "digest `ab12cd` in <#CDATA0001> · daily 09:00 (Europe/Paris) · `status:failing`" in text
    assert "watch `ef34gh` in <#CALERTS01> · every connector · failures" in text
    assert ":white_check_mark: *pause* succeeded on `conn_1` · 5m ago" in text
    assert ":no_entry: *resync* refused" in text and "needs the admin role" in text


def test_nothing_from_a_person_becomes_a_link_or_a_ping() -> None:
    view = render_home(
        None,
        role="operator",
        now=NOW,
        subscriptions=[subscription(channel_id="<!channel>", selector="<https://evil|x>")],
        recent=[entry(connectors=("<!here>",), status="failed", message="<@U0BOSS01> & co")],
    )
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "<!channel>" not in text and "<!here>" not in text and "<https://" not in text
    assert "<@U0BOSS01>" not in text and "&amp; co" in text


def test_empty_subscriptions_and_actions_say_how_to_get_some() -> None:
    text = json.dumps(render_home(None, role="viewer", now=NOW, subscriptions=[], recent=[])["blocks"])
    assert "`/hvr digest add daily 09:00`" in text and "Nothing yet" in text


class BrokenRepo:
    async def list_active(self) -> list[Subscription]:
        raise OSError("database is away")

    async def query(self, **_: object) -> list[AuditEntry]:
        raise OSError("database is away")

    async def acknowledged_by(self, user: str) -> list[object]:
        raise OSError("database is away")


async def test_the_tab_still_shows_fleet_health_when_the_database_is_away(gov: Gov) -> None:
    from bot.slack.home import HomeTab

    broken: Any = BrokenRepo()
    home = HomeTab(gov.bot.cache, gov.bot.policy, subscriptions=broken, audit=broken, incidents=broken)
    text = json.dumps((await home.render("UOPER0001"))["blocks"], ensure_ascii=False)
    assert "40 connectors" in text and "Your role: *operator*" in text
    assert "Your subscriptions" not in text and "Your recent actions" not in text
