"""Through the Slack double: a watch, a connector that breaks and recovers, as a channel sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.watch_commands import WatchAdd, parse_watch
from bot.simulator import Simulator
from bot.slack.poster import SlackPoster
from bot.slack_double import SlackDouble
from bot.storage.db import Database
from tests.fakes import FakeClock

from .fakes import CHANNEL, USER, build_replica, healthy_ids, simulator_http


@pytest.fixture
async def double() -> AsyncIterator[SlackDouble]:
    async with SlackDouble(bot_token="xoxb-double") as running:
        yield running


async def test_a_watched_connector_breaks_and_recovers_in_the_channel(
    database: Database, sim: Simulator, clock: FakeClock, double: SlackDouble
) -> None:
    poster = SlackPoster(AsyncWebClient(token="xoxb-double", base_url=double.api_url), interval=0)
    async with simulator_http(sim) as http:
        bot = build_replica(database, sim, clock, http, slack=poster)
        command = parse_watch("watch", ["events:failures,recoveries"])
        assert isinstance(command, WatchAdd)
        await bot.service.add_watch(CHANNEL, USER, command)
        await bot.watcher.poll_once()

        (cid,) = healthy_ids(sim, 1)
        name = sim.connections[cid].schema
        sim.break_connection(cid, "Reconnect: the credentials were revoked")
        clock.advance(120)
        await bot.watcher.poll_once()

        (alert,) = double.messages(CHANNEL)
        assert alert.text.startswith(f"{name} broke")
        buttons = [e for b in alert.blocks if b["type"] == "actions" for e in b["elements"]]
        assert [(b["action_id"], b.get("value")) for b in buttons] == [
            ("hvr.show:0", cid),
            ("hvr.sync:0", cid),
            ("hvr.pause:0", cid),
            ("hvr.acknowledge:0", cid),
            ("hvr.snooze:0", None),  # a select: each option carries its value
        ]

        sim.recover_connection(cid)
        clock.advance(120)
        await bot.watcher.poll_once()

    alert_now, reply = double.messages(CHANNEL)
    assert alert_now.ts == alert.ts and alert_now.updates == 1
    assert "recovered" in alert_now.text
    assert reply.thread_ts == alert.ts and reply.text.startswith(f"{name} recovered after")
