"""`show`, `tables` and `schemas` of an HVR channel through the router, on the simulated hub: the full
view, the tables with their refresh buttons, and what a hub lacks refused in its own words."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import pytest

from bot.blocks import ids
from bot.services.governance.access import Actor, Role
from bot.services.pipelines.actions import ConnectorActions
from bot.services.pipelines.hub_source import HubSource
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.sources import Member, Sources
from bot.simulator.clock import ManualClock
from bot.simulator.hvr6.hub import Hub
from bot.slack.router import Router
from tests.fakes.deps import only
from tests.hvr.sim_world import START, Checked, hub_world
from tests.integration.conftest import RecordingResponder
from tests.slack.doubles import Roles


@dataclass
class Rig:
    hub: Hub
    transport: Checked
    router: Router
    roles: Roles

    async def say(self, text: str) -> RecordingResponder:
        out = RecordingResponder()
        await self.router.command(text, Actor("U1", "C1"), out)
        return out


@pytest.fixture
def rig() -> Rig:
    clock = ManualClock(START)
    hub, client, transport = hub_world(clock, channels=8)
    source = HubSource("east", client)
    sources = Sources([Member("east", source, SnapshotCache(source, name="east", now=clock.now))])
    roles = Roles(role=Role.VIEWER)
    deps = only(
        cache=sources,
        actions=ConnectorActions(sources, sources),
        hubs=sources,
        policy=roles,
        now=clock.now,
    )
    return Rig(hub, transport, Router(deps), roles)


async def test_show_of_a_failing_channel_has_its_jobs_last_error_and_locations(rig: Rig) -> None:
    rig.transport.requests.clear()
    out = await rig.say("show billing")
    (reply,) = out.replies
    words = json.dumps(reply.message.blocks, ensure_ascii=False)
    assert reply.message.text.startswith("east:billing: Failing (billing-integ-dwh: F_JD0A2E: ORA-01017")
    assert "*billing_src* (source) · oracle · via `billing-db:4343`" in words
    assert "✗ `billing-integ-dwh` FAILED · 1 retry" in words
    paths = [r.rsplit("/", 1)[-1] for r in rig.transport.requests if "/auth/" not in r]
    # the list that resolved the name, then the channel's own reads: no second list of every channel
    assert paths == ["channels", "jobs", "billing", "jobs", "locs", "events", "billing-integ-dwh.out"]


async def test_tables_of_a_channel_come_from_its_definition(rig: Rig) -> None:
    out = await rig.say("tables orders")
    message = out.replies[-1].message
    assert message.blocks[0]["text"]["text"] == "Tables of east:orders"
    refresh = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [ids.unpack(e["value"])["t"] for e in refresh] == list(rig.hub.defs["orders"]["tables"])
    assert {e["action_id"].split(":")[0] for e in refresh} == {ids.RESYNC_TABLE}


async def test_schemas_and_columns_of_a_channel_are_refused_in_words(rig: Rig) -> None:
    schemas = (await rig.say("schemas orders")).last.text
    columns = (await rig.say("columns orders x.y")).last.text
    assert "Reading schema settings is not available for HVR channels" in schemas
    assert "Reading column settings is not available for HVR channels" in columns
    assert "`/hvr tables east:orders` lists them" in schemas
    assert "Fivetran" not in schemas + columns


async def test_a_hub_that_is_down_is_said_in_the_hubs_name(rig: Rig) -> None:
    await rig.say("list")
    rig.transport.down = True
    said = (await rig.say("show orders")).last.text
    assert "The HVR hub east" in said and "Fivetran" not in said


async def test_the_tables_of_a_list_rows_menu_open_the_channels_tables(rig: Rig) -> None:
    out = RecordingResponder()
    value = ids.menu_value(ids.TABLES, "east:orders")
    await rig.router.action(ids.aid(ids.ROW_MENU, 3), value, Actor("U1", "C1"), out)
    assert out.replies[-1].message.blocks[0]["text"]["text"] == "Tables of east:orders"


async def test_a_hubs_error_during_a_read_is_logged_as_the_hubs_not_fivetrans(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.transport.forbidden.add("/definition/locs")  # the hub user may not read the locations
    with caplog.at_level(logging.WARNING, logger="bot.slack.router"):
        out = await rig.say("show orders")
    assert "not allowed to do this on the HVR hub east" in out.last.text
    (logged,) = [r.getMessage() for r in caplog.records if "show orders" in r.getMessage()]
    assert logged.startswith("source error [") and " from The HVR hub east during command " in logged
    assert "fivetran" not in logged.lower()
