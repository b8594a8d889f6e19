"""A failure alert as an incident: acknowledged, snoozed (held, then summarised), reminded once a period."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.blocks import ids
from bot.commands.watch_commands import WatchAdd
from bot.services.alerts.events import AlertKind
from bot.simulator import Simulator
from bot.storage.db import Database
from tests.fakes import FakeClock, FakePoster

from .fakes import CHANNEL, USER, Harness, action_ids, build_replica, healthy_ids, simulator_http
from .test_alert_service import ev, watch

OPERATOR = "UOPER00001"
MINUTE = 60.0


@pytest.fixture
async def h(database: Database, sim: Simulator, clock: FakeClock) -> AsyncIterator[Harness]:
    async with simulator_http(sim) as http:
        yield build_replica(database, sim, clock, http, renotify=timedelta(minutes=1))


async def _failing(h: Harness) -> str:
    (cid,) = healthy_ids(h.sim, 1)
    await watch(h)
    assert await h.service.handle(ev(h, cid, AlertKind.BROKE))
    return cid


def _text(h: Harness, index: int = -1) -> str:
    return repr(h.poster.updates[index][2].blocks)


async def test_acknowledge_edits_the_alert_naming_who_and_when_and_drops_the_button(h: Harness) -> None:
    cid = await _failing(h)
    (alert,) = h.poster.posts
    taken = await h.service.incidents.acknowledge(CHANNEL, cid, OPERATOR)
    assert taken is not None and taken.alert.acked_by == OPERATOR
    channel, ts, edited = h.poster.updates[-1]
    assert (channel, ts) == (CHANNEL, alert.ts)
    line = next(b for b in edited.blocks if b["type"] == "context" and "Acknowledged" in repr(b))
    text = line["elements"][0]["text"]
    assert text.startswith(f":raising_hand: Acknowledged by <@{OPERATOR}> <!date^")
    assert ids.ACKNOWLEDGE not in action_ids(edited) and ids.SNOOZE in action_ids(edited)
    # a second press (another replica, another person) finds it taken
    assert await h.service.incidents.acknowledge(CHANNEL, cid, USER) is None
    assert [a.connection_id for a in await h.service.incidents.acknowledged_by(OPERATOR)] == [cid]


async def test_a_snoozed_pipeline_failing_again_posts_nothing_until_the_snooze_ends_then_a_summary(
    h: Harness,
) -> None:
    cid = await _failing(h)
    (alert,) = h.poster.posts
    snooze = await h.service.incidents.snooze(CHANNEL, cid, OPERATOR, "1h")
    assert snooze is not None
    assert "Snoozed until <!date^" in _text(h)
    told = len(h.poster.posts)  # the alert and the "snoozed" line in its thread
    assert h.poster.posts[-1].thread_ts == alert.ts
    # recovers, and fails twice more within the hour: nothing in the channel
    assert await h.service.handle(ev(h, cid, AlertKind.RECOVERED))
    after_recovery = len(h.poster.posts)
    for _ in range(2):
        h.clock.advance(10 * MINUTE)
        assert await h.service.handle(ev(h, cid, AlertKind.BROKE))
    assert len(h.poster.posts) == after_recovery == told + 1  # only the recovery reply
    h.clock.advance(45 * MINUTE)
    await h.service.incidents.tick()
    summary = h.poster.posts[-1]
    assert summary.thread_ts == alert.ts
    assert "2 failure alerts were held" in summary.message.blocks[0]["text"]["text"]
    # the snooze is over: the next failure is an alert again
    assert await h.service.handle(ev(h, cid, AlertKind.SYNC_FAILED))
    assert h.poster.top_level(CHANNEL)[-1].text.endswith("failed to sync: Source API returned 502")


async def test_a_snooze_until_it_recovers_holds_alerts_and_the_recovery_tells_them(h: Harness) -> None:
    cid = await _failing(h)
    await h.service.incidents.snooze(CHANNEL, cid, OPERATOR, "recovery")
    before = (len(h.poster.posts), len(h.poster.updates))
    assert await h.service.handle(ev(h, cid, AlertKind.SYNC_FAILED))
    assert (len(h.poster.posts), len(h.poster.updates)) == before  # held: not even an edit
    assert await h.service.handle(ev(h, cid, AlertKind.RECOVERED))
    reply = h.poster.posts[-1].message.blocks[0]["text"]["text"]
    assert "recovered" in reply and "1 failure alert held while snoozed" in reply
    assert await h.service.incidents.snoozes_in(CHANNEL) == []


async def test_unsnooze_lifts_it_and_summarises(h: Harness) -> None:
    cid = await _failing(h)
    await h.service.incidents.snooze(CHANNEL, cid, OPERATOR, "24h")
    assert [s.connection_id for s in await h.service.incidents.snoozes_in(CHANNEL)] == [cid]
    ended = await h.service.incidents.unsnooze(CHANNEL, cid, OPERATOR, "orders")
    assert ended is not None
    assert f"Unsnoozed by <@{OPERATOR}>" in h.poster.posts[-1].message.blocks[0]["text"]["text"]
    assert await h.service.incidents.unsnooze(CHANNEL, cid, OPERATOR, "orders") is None


async def test_an_unacknowledged_failure_gets_one_broadcast_reminder_a_period(h: Harness) -> None:
    await _failing(h)
    (alert,) = h.poster.posts

    def reminders() -> list[str]:
        return [p.text for p in h.poster.posts if p.thread_ts == alert.ts and p.broadcast]

    for _ in range(5):  # ticks within the first period: nothing yet
        h.clock.advance(10)
        await h.service.incidents.tick()
    assert reminders() == []
    h.clock.advance(15)  # 65 s after the alert
    await h.service.incidents.tick()
    await h.service.incidents.tick()
    assert len(reminders()) == 1 and "still failing" in reminders()[0]
    h.clock.advance(MINUTE)
    await h.service.incidents.tick()
    await h.service.incidents.tick()
    assert len(reminders()) == 2


async def test_no_reminder_after_acknowledge_snooze_or_recovery(h: Harness) -> None:
    cid = await _failing(h)
    await h.service.incidents.acknowledge(CHANNEL, cid, OPERATOR)
    (other,) = [c for c in healthy_ids(h.sim, 3) if c != cid][:1]
    assert await h.service.handle(ev(h, other, AlertKind.BROKE))
    await h.service.incidents.snooze(CHANNEL, other, OPERATOR, "24h")
    third = healthy_ids(h.sim, 3)[2]
    assert await h.service.handle(ev(h, third, AlertKind.BROKE))
    assert await h.service.handle(ev(h, third, AlertKind.RECOVERED))
    for _ in range(3):
        h.clock.advance(MINUTE)
        await h.service.incidents.tick()
    assert not [p for p in h.poster.posts if p.broadcast]


async def test_with_renotify_off_there_are_no_reminders(
    database: Database, sim: Simulator, clock: FakeClock
) -> None:
    async with simulator_http(sim) as http:
        off = build_replica(database, sim, clock, http, renotify=timedelta(0))
        await _failing(off)
        clock.advance(10 * MINUTE)
        await off.service.incidents.tick()
    assert not [p for p in off.poster.posts if p.broadcast]


async def test_two_replicas_on_postgresql_send_each_reminder_once(
    postgres_url: str, sim: Simulator, clock: FakeClock
) -> None:
    poster = FakePoster()
    databases = [Database(postgres_url), Database(postgres_url)]
    try:
        async with simulator_http(sim) as http:
            a, b = (
                build_replica(
                    db, sim, clock, http, poster=poster, holder=f"r{i}", renotify=timedelta(minutes=1)
                )
                for i, db in enumerate(databases)
            )
            await a.service.add_watch(CHANNEL, USER, WatchAdd())
            (cid,) = healthy_ids(sim, 1)
            assert await a.service.handle(ev(a, cid, AlertKind.BROKE))
            for _ in range(3):
                clock.advance(MINUTE)
                await asyncio.gather(*(r.service.incidents.tick() for r in (a, b, a, b)))
    finally:
        for db in databases:
            await db.dispose()
    assert len([p for p in poster.posts if p.broadcast]) == 3
