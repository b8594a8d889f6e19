"""The polling watcher: snapshots diffed into alerts, once, across restarts, replicas and outages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.commands.watch_commands import WatchAdd
from bot.services.alerts.events import AlertKind, WatchEvent
from bot.services.alerts.watcher import KINDS_WITH_WEBHOOKS, Suspicion, Watcher
from bot.services.runtime.foreground import Foreground
from bot.simulator import Simulator
from bot.storage.db import Database
from bot.storage.watch_state import WatchState, WatchStateRepo
from tests.fakes import FakeClock, FakePoster

from .fakes import CHANNEL, USER, Harness, build_replica, healthy_ids, simulator_http


async def start(h: Harness) -> None:
    await h.service.add_watch(CHANNEL, USER, WatchAdd())
    first = await h.watcher.poll_once()
    assert first.ok and first.announced == 0 and first.baselined == len(h.sim.connections)


async def test_the_first_poll_is_a_baseline_and_announces_nothing(harness: Harness) -> None:
    await start(harness)
    assert harness.poster.posts == []
    assert (await harness.watcher.poll_once()).events == []


async def test_a_break_and_its_recovery_are_announced_once_each(harness: Harness) -> None:
    await start(harness)
    (cid,) = healthy_ids(harness.sim, 1)
    harness.sim.break_connection(cid, "Reconnect: <!channel> revoked")
    harness.clock.advance(60)
    assert await harness.poll() == 1
    assert await harness.poll() == 0
    (alert,) = harness.poster.posts
    assert "broke" in alert.message.text and "&lt;!channel&gt;" in alert.message.text
    harness.sim.recover_connection(cid)
    harness.clock.advance(60)
    assert await harness.poll() == 1
    reply = harness.poster.posts[-1]
    assert reply.thread_ts == alert.ts
    assert [ts for _, ts, _ in harness.poster.updates] == [alert.ts]


async def test_a_restart_neither_repeats_nor_misses_a_transition(
    database: Database, sim: Simulator, clock: FakeClock
) -> None:
    poster = FakePoster()
    async with simulator_http(sim) as http:
        first = build_replica(database, sim, clock, http, poster=poster)
        await start(first)
        (cid,) = healthy_ids(sim, 1)
        sim.break_connection(cid)
        clock.advance(60)
        assert await first.poll() == 1
        # the process restarts: everything in memory is new, the database is the same
        second = build_replica(database, sim, clock, http, poster=poster)
        assert await second.poll() == 0
        sim.recover_connection(cid)  # happens while nobody runs
        third = build_replica(database, sim, clock, http, poster=poster)
        clock.advance(60)
        assert await third.poll() == 1
    assert len(poster.top_level(CHANNEL)) == 1 and len(poster.posts) == 2


async def test_a_crash_between_announcing_and_storing_does_not_repeat_the_alert(harness: Harness) -> None:
    await start(harness)
    (cid,) = healthy_ids(harness.sim, 1)
    harness.sim.break_connection(cid)
    forgetful = WatchStateRepo(harness.database, clock=harness.clock)

    async def lose(states: object) -> None:  # the process dies before the new state is written
        return None

    forgetful.put_many = lose  # type: ignore[method-assign]
    crashing = Watcher(
        snapshots=harness.snapshots, state=forgetful, handle=harness.service.handle, interval=60
    )
    assert (await crashing.poll_once()).announced == 1
    assert await harness.poll() == 0, "the same transition is claimed already"
    assert len(harness.poster.posts) == 1


async def test_two_replicas_announce_each_transition_once(
    postgres_url: str, sim: Simulator, clock: FakeClock
) -> None:
    poster = FakePoster()
    databases = [Database(postgres_url), Database(postgres_url)]
    try:
        async with simulator_http(sim) as http:
            a, b = (
                build_replica(db, sim, clock, http, poster=poster, holder=f"r{i}")
                for i, db in enumerate(databases)
            )
            await a.service.add_watch(CHANNEL, USER, WatchAdd())
            await asyncio.gather(a.watcher.poll_once(), b.watcher.poll_once())
            broken = healthy_ids(sim, 3)
            for cid in broken:
                sim.break_connection(cid)
            clock.advance(60)
            results = await asyncio.gather(a.poll(), b.poll())
            assert sum(results) == 3
            for cid in broken:
                sim.recover_connection(cid)
            clock.advance(60)
            twice = await asyncio.gather(a.poll(), b.poll(), a.poll(), b.poll())
            assert sum(twice) == 3
    finally:
        for db in databases:
            await db.dispose()
    assert len(poster.top_level(CHANNEL)) == 3
    assert len([p for p in poster.posts if p.thread_ts]) == 3
    assert len(poster.updates) == 3


async def test_an_outage_produces_no_alerts_and_loses_nothing(harness: Harness) -> None:
    await start(harness)
    (cid,) = healthy_ids(harness.sim, 1)
    harness.snapshots.down = True
    harness.sim.break_connection(cid)
    result = await harness.watcher.poll_once()
    assert not result.ok and result.events == [] and harness.poster.posts == []
    harness.snapshots.down = False
    assert await harness.poll() == 1, "the break is told once Fivetran answers again"


@pytest.fixture
async def wary(database: Database, sim: Simulator, clock: FakeClock) -> AsyncIterator[Harness]:
    """A replica that finds more than 10% of connectors changing at once (and at least 5) implausible."""
    async with simulator_http(sim) as http:
        yield build_replica(database, sim, clock, http, suspicion=Suspicion(share=0.1, min_changed=5))


async def test_an_implausible_snapshot_is_held_and_a_glitch_never_told(wary: Harness) -> None:
    await start(wary)
    many = healthy_ids(wary.sim, 8)
    for cid in many:
        wary.sim.break_connection(cid)
    assert (await wary.watcher.poll_once()).held
    for cid in many:
        wary.sim.recover_connection(cid)
    assert await wary.poll() == 0
    assert wary.poster.posts == []


async def test_an_implausible_snapshot_confirmed_by_the_next_is_announced(wary: Harness) -> None:
    await start(wary)
    many = healthy_ids(wary.sim, 8)
    for cid in many:
        wary.sim.break_connection(cid)
    assert (await wary.watcher.poll_once()).held
    assert await wary.poll() == 8


async def test_a_few_changes_are_not_suspicious(wary: Harness) -> None:
    await start(wary)
    for cid in healthy_ids(wary.sim, 4):
        wary.sim.break_connection(cid)
    result = await wary.watcher.poll_once()
    assert not result.held and result.announced == 4


async def test_the_suspicion_rule_needs_both_a_share_and_a_count() -> None:
    rule = Suspicion(share=0.5, min_changed=10)
    assert not rule.applies(9, 10)
    assert not rule.applies(40, 100)
    assert rule.applies(51, 100)


async def test_with_webhooks_on_the_poller_only_adds_delays(harness: Harness) -> None:
    harness.watcher._kinds = KINDS_WITH_WEBHOOKS  # as serve builds it when a webhook secret is set
    await harness.service.add_watch(CHANNEL, USER, WatchAdd(events=tuple(WatchEvent)))
    await harness.watcher.poll_once()
    broken, late = healthy_ids(harness.sim, 2)
    harness.sim.break_connection(broken)
    harness.sim.connections[late].update_state = "delayed"
    result = await harness.watcher.poll_once()
    assert {e.kind for e in result.events} == {AlertKind.BROKE, AlertKind.DELAYED}
    assert result.announced == 1 and "delayed" in harness.poster.posts[0].message.text


async def test_start_polls_at_the_interval_until_stopped(harness: Harness) -> None:
    polled = asyncio.Event()

    async def sleep(seconds: float) -> None:
        assert seconds == 60
        if watcher.polls >= 3:
            polled.set()
        await asyncio.sleep(0)

    watcher = Watcher(
        snapshots=harness.snapshots,
        state=WatchStateRepo(harness.database),
        handle=harness.service.handle,
        interval=60,
        sleep=sleep,
    )
    watcher.start()
    await asyncio.wait_for(polled.wait(), 5)
    await watcher.stop()
    stopped_at = watcher.polls
    await asyncio.sleep(0.01)
    assert watcher.polls == stopped_at


async def test_an_interval_of_zero_never_starts(harness: Harness) -> None:
    harness.watcher.interval = 0
    harness.watcher.start()
    await harness.watcher.stop()
    assert harness.watcher.polls == 0


class _CountedReads(WatchStateRepo):
    reads = 0

    async def get_all(self, source: str | None = None) -> dict[str, WatchState]:
        self.reads += 1
        return await super().get_all(source)


def _behind(h: Harness, foreground: Foreground) -> tuple[Watcher, _CountedReads]:
    state = _CountedReads(h.database, clock=h.clock)
    watcher = Watcher(
        snapshots=h.snapshots, state=state, handle=h.service.handle, interval=60, foreground=foreground
    )
    return watcher, state


async def test_a_poll_passes_over_the_snapshot_only_once_the_requests_being_handled_are_answered(
    harness: Harness,
) -> None:
    foreground = Foreground(max_wait=60)
    watcher, state = _behind(harness, foreground)
    with foreground.busy():  # a `/hvr list` waiting on the same snapshot
        poll = asyncio.create_task(watcher.poll_once())
        # ample for the snapshot and the pass, were they not waiting
        _, pending = await asyncio.wait({poll}, timeout=0.2)
        assert pending == {poll} and state.reads == 0
    result = await asyncio.wait_for(poll, 5)
    assert result.ok and result.baselined == len(harness.sim.connections) and state.reads == 1


async def test_steady_requests_delay_a_poll_but_never_starve_it(harness: Harness) -> None:
    never_idle = Foreground(max_wait=0.01)
    watcher, _ = _behind(harness, never_idle)
    with never_idle.busy():
        result = await asyncio.wait_for(watcher.poll_once(), 5)
    assert result.ok and result.baselined == len(harness.sim.connections)
