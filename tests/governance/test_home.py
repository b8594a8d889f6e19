"""The Home tab: fleet health at a glance, current problems, the person's role, the channel subscriptions
they made and their recent actions, read afresh each time the tab is opened, within Slack's 100 blocks."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack_double import block_problems, view_problems
from bot.slack_double.inbound import sign
from bot.storage.subscriptions import SubscriptionRepo
from tests.governance.conftest import ADMIN, CHANNEL, OPERATOR, VIEWER, Gov, MakeGov

OTHER_CHANNEL = "COTHER0001"


def home_text(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


async def open_home(gov: Gov, user: str) -> dict[str, Any]:
    """The person opens the bot's Home tab: Slack sends `app_home_opened`; what the bot publishes."""
    published = len(gov.double.calls_to("views.publish"))
    body = json.dumps(
        {
            "token": "verification-token",
            "team_id": "T0DOUBLE1",
            "api_app_id": "A0HVRBOT1",
            "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME001", "tab": "home"},
        }
    ).encode()
    stamp = str(int(time.time()))
    headers: dict[str, str | Sequence[str]] = {
        "content-type": ["application/json"],
        "x-slack-request-timestamp": [stamp],
        "x-slack-signature": [sign("governance-secret", stamp, body)],
    }
    response = await gov.bot.app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=headers))
    assert response.status == 200, response.body
    await gov.double.wait_for(lambda: len(gov.double.calls_to("views.publish")) > published or None)
    view = gov.double.home(user)
    assert view is not None
    return view.view


async def test_a_large_account_stays_within_slacks_100_blocks(make_gov: MakeGov) -> None:
    gov = await make_gov(connections=5000, groups=8)
    snapshot = gov.bot.cache.peek()
    assert snapshot is not None
    problems = sum(1 for h in snapshot.health.values() if h.is_problem)
    assert problems >= 500
    # a busy operator: many subscriptions in many channels, many actions on record
    subscriptions = SubscriptionRepo(gov.bot.database)
    for i in range(40):
        await subscriptions.add(
            kind="watch" if i % 2 else "digest",
            channel_id=f"CCHAN{i:05d}",
            created_by=OPERATOR,
            timezone="Europe/Paris",
            selector=f"service:{'s' * 200}{i} <!here>",
            schedule=None if i % 2 else "daily 09:00",
            options={"events": ["failures", "delays"]} if i % 2 else {},
        )
    repo = gov.bot.router.deps.audit_repo
    assert repo is not None
    for i in range(30):
        await repo.record(
            request_id=f"r{i}",
            user_id=OPERATOR,
            channel_id=CHANNEL,
            source="command",
            action="pause",
            status="refused",
            connectors=[f"conn{i}", "x" * 300],
            message="<!channel> " + "y" * 2000,
        )
    view = await gov.bot.home.render(OPERATOR)
    assert len(view["blocks"]) <= 100  # type: ignore[arg-type]
    assert block_problems(view["blocks"], surface="home") == []  # type: ignore[arg-type]
    assert view_problems(view) == []
    text = home_text(view)
    assert "5,000 connectors" in text and f"and {problems - 30} more" in text
    shown = text.count("<#CCHAN")  # as many as fit in one section, and how many more there are
    assert 10 <= shown <= 15 and f"and {40 - shown} more: `/hvr digest list`" in text
    # what people typed or Fivetran said cannot ping anyone
    assert "<!channel>" not in text and "<!here>" not in text
    published = await open_home(gov, OPERATOR)  # and Slack (the double, strict) takes it
    assert len(published["blocks"]) == len(view["blocks"])  # type: ignore[arg-type]


async def test_the_home_tab_shows_the_persons_role(gov: Gov) -> None:
    for user, role in ((VIEWER, "viewer"), (OPERATOR, "operator"), (ADMIN, "admin")):
        assert f"Your role: *{role}*" in home_text(await open_home(gov, user))


async def test_the_home_tab_shows_fleet_health_and_the_current_problems(gov: Gov) -> None:
    snapshot = gov.bot.cache.peek()
    assert snapshot is not None
    text = home_text(await open_home(gov, VIEWER))
    assert f"{len(snapshot.connections)} connectors" in text
    for cid, health in snapshot.health.items():
        if health.is_problem:
            assert snapshot.connections[cid].name in text and f'"value": "{cid}"' in text


async def test_the_home_tab_lists_the_subscriptions_this_person_made_and_no_others(gov: Gov) -> None:
    await gov.say("digest add daily 09:00 status:failing", OPERATOR)
    await gov.say("watch status:broken events:failures", OPERATOR, channel=OTHER_CHANNEL)
    await gov.say("digest add weekdays 08:30", ADMIN, channel=OTHER_CHANNEL)
    text = home_text(await open_home(gov, OPERATOR))
    assert "Your subscriptions" in text
    assert "digest" in text and f"<#{CHANNEL}>" in text and "daily 09:00" in text and "status:failing" in text
    assert "watch" in text and f"<#{OTHER_CHANNEL}>" in text and "status:broken" in text
    assert "weekdays 08:30" not in text
    mine = [s for s in await SubscriptionRepo(gov.bot.database).list_active() if s.created_by == OPERATOR]
    assert len(mine) == 2 and all(f"`{s.id}`" in text for s in mine)  # the ids `unwatch` and `remove` take
    assert "You have set up no digests" in home_text(await open_home(gov, VIEWER))


async def test_the_home_tab_lists_this_persons_recent_actions(gov: Gov) -> None:
    one, two = gov.t.healthy
    await gov.say(f"pause {one.id}", OPERATOR, confirmed=True)
    await gov.say(f"resync {one.id}", OPERATOR, confirmed=True)  # refused: admins only
    await gov.say(f"pause {two.id}", ADMIN, confirmed=True)
    text = home_text(await open_home(gov, OPERATOR))
    recent = text[text.index("Your recent actions") :]
    assert "*pause* succeeded" in recent and f"`{one.name}`" in recent
    assert "*resync* refused" in recent and "needs the admin role" in recent
    assert two.name not in recent


async def test_the_home_tab_is_read_afresh_each_time_it_is_opened(gov: Gov) -> None:
    target = gov.t.healthy[0]
    before = home_text(await open_home(gov, VIEWER))
    assert "Nothing yet" in before
    await gov.say(f"access grant <@{VIEWER}> operator", ADMIN)
    await gov.say(f"pause {target.id}", VIEWER, confirmed=True)
    after = home_text(await open_home(gov, VIEWER))
    assert "Your role: *operator*" in after and "*pause* succeeded" in after
    assert len(gov.double.calls_to("views.publish")) == 2
