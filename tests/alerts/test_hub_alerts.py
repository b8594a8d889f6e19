"""The watcher on an HVR hub (the simulated one, through the real client and source): a job entering FAILED
is one failure alert naming channel, job and last error; its recovery goes in the thread; latency over the
SLA is a delay; a hub that cannot be reached is one alert, never one per channel."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from bot.commands.watch_commands import WatchAdd
from bot.services.alerts.events import WatchEvent
from bot.services.alerts.incidents import IncidentService
from bot.services.alerts.service import AlertService
from bot.services.alerts.watcher import KINDS_WITH_WEBHOOKS, Watcher
from bot.services.pipelines.hub_source import HubSource
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.source import FivetranSource
from bot.services.pipelines.sources import Member, Sources
from bot.simulator import Simulator
from bot.simulator.hvr6.hub import SLA_SECONDS, Hub
from bot.storage.alert_messages import AlertMessageRepo
from bot.storage.claims import EventClaimRepo
from bot.storage.db import Database
from bot.storage.snoozes import SnoozeRepo
from bot.storage.subscriptions import SubscriptionRepo
from bot.storage.watch_state import WatchStateRepo
from tests.fakes import FakeClock, FakePoster
from tests.hvr.sim_world import Checked, hub_world
from tests.simulator.aliases import watched

from .fakes import CHANNEL, USER, simulator_client, simulator_http

JOB = "orders-integ-dwh"  # the simulated hub's first channel, healthy at the start


@dataclass
class HubHarness:
    hub: Hub
    transport: Checked
    clock: FakeClock
    poster: FakePoster
    service: AlertService
    watcher: Watcher

    async def poll(self) -> int:
        self.clock.advance(60)
        return (await self.watcher.poll_once()).announced

    async def control(self, action: str, **body: str) -> None:
        answer = await self.transport.app.handle_async_request(
            httpx.Request("POST", f"http://sim/_sim/{action}", content=json.dumps(body).encode())
        )
        assert answer.status_code == 204


def _harness(
    database: Database, clock: FakeClock, members: list[Member], hub: Hub, transport: Checked
) -> HubHarness:
    sources = Sources(members)
    poster = FakePoster()
    claims = EventClaimRepo(database, clock=clock)
    alert_messages = AlertMessageRepo(database, clock=clock)
    incidents = IncidentService(
        alert_messages=alert_messages,
        snoozes=SnoozeRepo(database, clock=clock),
        claims=claims,
        snapshots=sources,
        poster=poster,
        now=clock,
    )
    service = AlertService(
        subscriptions=SubscriptionRepo(database, clock=clock),
        claims=claims,
        alert_messages=alert_messages,
        snapshots=sources,
        poster=poster,
        incidents=incidents,
        now=clock,
    )
    watcher = Watcher(
        snapshots=sources,
        state=WatchStateRepo(database, clock=clock),
        handle=service.handle,
        interval=60,
        # as when every Fivetran account sends webhooks: a hub sends none, so its news is still told
        kinds=KINDS_WITH_WEBHOOKS,
        hubs=sources.hubs,
        last_error=sources.last_error,
        now=clock,
    )
    return HubHarness(hub, transport, clock, poster, service, watcher)


def _hub_member(clock: FakeClock) -> tuple[Member, Hub, Checked]:
    hub, client, transport = hub_world(clock)
    source = HubSource("east", client)
    return Member("east", source, SnapshotCache(source, name="east", ttl=0.0, now=clock)), hub, transport


@pytest.fixture
async def only_hub(database: Database) -> AsyncIterator[HubHarness]:
    clock = FakeClock()
    member, hub, transport = _hub_member(clock)
    harness = _harness(database, clock, [member], hub, transport)
    await harness.service.add_watch(
        CHANNEL, USER, WatchAdd(events=(WatchEvent.FAILURES, WatchEvent.RECOVERIES, WatchEvent.DELAYS))
    )
    first = await harness.watcher.poll_once()
    assert first.ok and first.announced == 0  # the baseline
    yield harness


async def test_a_job_failure_names_channel_job_and_escaped_error_and_recovers_in_the_thread(
    only_hub: HubHarness,
) -> None:
    h = only_hub
    await h.control("fail", job=JOB, error="F_JD0A2E: ORA-01017 for <!channel> & co")
    assert await h.poll() == 1
    assert await h.poll() == 0  # still failing: not told again
    (alert,) = h.poster.posts
    words = json.dumps(alert.message.blocks)
    assert "orders" in alert.message.text and JOB in words
    assert "ORA-01017 for &lt;!channel&gt; &amp; co" in words and "<!channel>" not in words
    await h.control("recover", job=JOB)
    assert await h.poll() == 1
    assert h.poster.posts[-1].thread_ts == alert.ts


async def test_a_second_failure_after_a_recovery_is_told_again(only_hub: HubHarness) -> None:
    h = only_hub
    for _ in range(2):
        await h.control("fail", job=JOB, error="F_JD0A2E: boom")
        assert await h.poll() == 1
        await h.control("recover", job=JOB)
        assert await h.poll() == 1
    assert [p.thread_ts is None for p in h.poster.posts] == [True, False, True, False]


async def test_latency_over_the_channels_sla_is_a_delay(only_hub: HubHarness) -> None:
    h = only_hub
    h.hub.jobs[JOB]["latency"] = SLA_SECONDS * 2
    assert await h.poll() == 1
    (alert,) = h.poster.posts
    assert "orders" in alert.message.text and "delayed" in alert.message.text


async def test_a_hub_that_cannot_be_reached_is_one_alert_and_its_return_one_reply(
    only_hub: HubHarness,
) -> None:
    h = only_hub
    h.transport.down = True
    assert await h.poll() == 1
    assert await h.poll() == 0
    (alert,) = h.poster.posts
    assert "east" in alert.message.text and "could not be reached" in json.dumps(alert.message.blocks)
    assert "Sync" not in json.dumps(alert.message.blocks)  # about the hub: no channel's buttons
    h.transport.down = False
    assert await h.poll() == 1
    assert h.poster.posts[-1].thread_ts == alert.ts
    assert len(h.poster.posts) == 2  # no channel was told broken, nor recovered


async def test_beside_a_fivetran_account_a_hub_down_is_still_one_alert(database: Database) -> None:
    clock = FakeClock()
    sim = watched(Simulator(seed=7, groups=2, connections=10, clock=clock))
    async with simulator_http(sim) as http:
        account = FivetranSource("fivetran", simulator_client(sim, http))
        member, hub, transport = _hub_member(clock)
        members = [Member("fivetran", account, SnapshotCache(account, ttl=0.0, now=clock)), member]
        h = _harness(database, clock, members, hub, transport)
        await h.service.add_watch(CHANNEL, USER, WatchAdd())
        assert (await h.watcher.poll_once()).announced == 0
        transport.down = True
        assert await h.poll() == 1
        assert await h.poll() == 0
        transport.down = False
        assert await h.poll() == 1
    await sim.aclose()
    assert [p.thread_ts is None for p in h.poster.posts] == [True, False]


async def test_a_watch_of_the_hubs_source_gets_its_unreachable_alert_and_one_of_another_does_not(
    database: Database,
) -> None:
    from bot.services.pipelines.selectors import parse_selector_text

    clock = FakeClock()
    member, hub, transport = _hub_member(clock)
    h = _harness(database, clock, [member], hub, transport)
    await h.service.add_watch(CHANNEL, USER, WatchAdd(selector=parse_selector_text("source:east")))
    await h.service.add_watch("C0OTHER", USER, WatchAdd(selector=parse_selector_text("group:elsewhere")))
    assert (await h.watcher.poll_once()).announced == 0
    transport.down = True
    assert await h.poll() == 1
    assert [p.channel for p in h.poster.posts] == [CHANNEL]


async def test_a_retrying_job_without_an_error_time_is_told_each_time_it_starts_retrying(
    only_hub: HubHarness,
) -> None:
    h = only_hub
    for _ in range(2):
        h.hub.jobs[JOB].update(state="RETRY", num_retries=1)  # the hub wrote no log_job_err_tstamp
        assert await h.poll() == 1
        h.hub.jobs[JOB].update(state="RUNNING", num_retries=0)
        assert await h.poll() == 1
    assert [p.thread_ts is None for p in h.poster.posts] == [True, False, True, False]
