"""What an event becomes in each watching channel: posts, threads, updates, flapping, claim-once."""

from __future__ import annotations

import itertools

from bot.blocks import ids
from bot.commands.watch_commands import WatchAdd, parse_watch
from bot.services.alerts.events import AlertEvent, AlertKind, WatchEvent
from bot.services.pipelines.selectors import parse_selector

from .fakes import CHANNEL, HOUR, OTHER, USER, Harness, action_ids, healthy_ids

_keys = itertools.count()


def ev(h: Harness, cid: str, kind: AlertKind, message: str | None = "Source API returned 502") -> AlertEvent:
    return AlertEvent(
        connection_id=cid,
        kind=kind,
        at=h.clock(),
        key=f"test:{next(_keys)}",
        source="webhook",
        message=message,
    )


async def watch(h: Harness, *args: str, channel: str = CHANNEL) -> str:
    cmd = parse_watch("watch", list(args)) if args else WatchAdd()  # bare: the form's defaults
    assert isinstance(cmd, WatchAdd)
    return (await h.service.add_watch(channel, USER, cmd)).id


async def test_a_failure_is_posted_with_its_buttons_and_opens_an_alert(harness: Harness) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    await watch(harness)
    assert await harness.service.handle(ev(harness, cid, AlertKind.BROKE))
    (post,) = harness.poster.posts
    assert post.channel == CHANNEL and post.thread_ts is None
    assert action_ids(post.message) == [ids.SHOW, ids.SYNC, ids.PAUSE, ids.ACKNOWLEDGE, ids.SNOOZE]
    opened = await harness.alert_messages.find_open(cid, CHANNEL)
    assert opened is not None and opened.ts == post.ts


async def test_the_same_event_delivered_twice_is_posted_once(harness: Harness) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    await watch(harness)
    event = ev(harness, cid, AlertKind.SYNC_FAILED)
    assert await harness.service.handle(event)
    assert not await harness.service.handle(event)
    assert len(harness.poster.posts) == 1


async def test_a_failure_while_the_alert_is_open_updates_it_instead_of_posting(harness: Harness) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    await watch(harness)
    await harness.service.handle(ev(harness, cid, AlertKind.BROKE))
    harness.clock.advance(600)
    await harness.service.handle(ev(harness, cid, AlertKind.SYNC_FAILED, "Still revoked"))
    assert len(harness.poster.posts) == 1
    ((channel, ts, message),) = harness.poster.updates
    assert (channel, ts) == (CHANNEL, harness.poster.posts[0].ts)
    assert "Still revoked" in message.text


async def test_a_recovery_replies_in_the_alert_thread_and_updates_the_alert(harness: Harness) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    await watch(harness)
    await harness.service.handle(ev(harness, cid, AlertKind.BROKE))
    harness.clock.advance(HOUR)
    await harness.service.handle(ev(harness, cid, AlertKind.SYNC_SUCCEEDED, None))
    alert, reply = harness.poster.posts
    assert reply.thread_ts == alert.ts
    assert "after 1h" in reply.message.text
    ((_, ts, update),) = harness.poster.updates
    assert ts == alert.ts and "recovered" in update.text
    assert await harness.alert_messages.find_open(cid, CHANNEL) is None


async def test_a_recovery_nobody_was_told_about_is_not_news_unless_only_recoveries_are_watched(
    harness: Harness,
) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    await watch(harness)
    await watch(harness, "events:recoveries", channel=OTHER)
    await harness.service.handle(ev(harness, cid, AlertKind.RECOVERED, None))
    assert harness.poster.top_level(CHANNEL) == []
    (plain,) = harness.poster.top_level(OTHER)
    assert "recovered" in plain.message.text


async def test_a_flapping_connector_is_summarised_then_kept_quiet_for_the_window(harness: Harness) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    await watch(harness)
    service = harness.service
    for _ in range(2):
        await service.handle(ev(harness, cid, AlertKind.SYNC_FAILED))
        harness.clock.advance(300)
        await service.handle(ev(harness, cid, AlertKind.SYNC_SUCCEEDED, None))
        harness.clock.advance(300)
    await service.handle(ev(harness, cid, AlertKind.SYNC_FAILED))
    summary = harness.poster.top_level(CHANNEL)[-1]
    assert "is flapping: 3 failures in 1h" in summary.message.text
    harness.clock.advance(300)
    await service.handle(ev(harness, cid, AlertKind.SYNC_SUCCEEDED, None))  # told in the summary's thread
    for _ in range(3):
        harness.clock.advance(300)
        await service.handle(ev(harness, cid, AlertKind.SYNC_FAILED))
        harness.clock.advance(300)
        await service.handle(ev(harness, cid, AlertKind.SYNC_SUCCEEDED, None))
    assert len(harness.poster.top_level(CHANNEL)) == 3, "failures after the summary stay quiet"
    harness.clock.advance(HOUR)
    await service.handle(ev(harness, cid, AlertKind.SYNC_FAILED))
    assert len(harness.poster.top_level(CHANNEL)) == 4
    assert "failed to sync" in harness.poster.top_level(CHANNEL)[-1].message.text


async def test_selectors_and_event_lists_decide_which_channels_hear_what(harness: Harness) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    conn = harness.sim.connections[cid]
    other_group = next(g for g in harness.sim.groups.values() if g.id != conn.group_id)
    await watch(harness)
    await watch(harness, f"group:{other_group.name}", "events:all", channel=OTHER)
    await harness.service.handle(ev(harness, cid, AlertKind.PAUSED, None))
    await harness.service.handle(ev(harness, cid, AlertKind.BROKE))
    assert [p.message.text.split(" ")[1] for p in harness.poster.posts] == ["broke:"]
    await watch(harness, f"group:{harness.sim.groups[conn.group_id].name}", "events:pauses", channel=OTHER)
    await harness.service.handle(ev(harness, cid, AlertKind.RESUMED, None))
    assert harness.poster.posts[-1].channel == OTHER and "resumed" in harness.poster.posts[-1].message.text


async def test_two_watches_in_one_channel_post_an_event_once(harness: Harness) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    await watch(harness)
    await watch(harness, "events:failures,syncs")
    await harness.service.handle(ev(harness, cid, AlertKind.SYNC_FAILED))
    assert len(harness.poster.posts) == 1


async def test_a_channel_that_refuses_does_not_keep_the_alert_from_the_others(harness: Harness) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    await watch(harness)
    await watch(harness, channel=OTHER)
    harness.poster.refuse.add(CHANNEL)
    await harness.service.handle(ev(harness, cid, AlertKind.BROKE))
    assert [p.channel for p in harness.poster.posts] == [OTHER]


async def test_without_a_snapshot_only_watches_without_a_selector_hear_a_webhook(harness: Harness) -> None:
    (cid,) = healthy_ids(harness.sim, 1)
    await watch(harness)
    await watch(harness, "service:" + harness.sim.connections[cid].service, channel=OTHER)
    harness.snapshots.down = True
    await harness.service.handle(ev(harness, cid, AlertKind.BROKE))
    assert [p.channel for p in harness.poster.posts] == [CHANNEL]


async def test_the_same_watch_twice_is_one_watch(harness: Harness) -> None:
    first = await harness.service.add_watch(CHANNEL, USER, WatchAdd(parse_selector(["group:x"])))
    again = await harness.service.add_watch(CHANNEL, "U0BEN", WatchAdd(parse_selector(["group:x"])))
    other = await harness.service.add_watch(CHANNEL, USER, WatchAdd(events=(WatchEvent.SYNCS,)))
    assert again.id == first.id and other.id != first.id
    assert [s.id for s in await harness.service.list_watches(CHANNEL)] == [first.id, other.id]


async def test_unwatch_removes_only_a_watch_of_this_channel(harness: Harness) -> None:
    sid = await watch(harness)
    digest = await harness.subscriptions.add(
        kind="digest", channel_id=CHANNEL, created_by=USER, timezone="UTC", schedule="daily 09:00"
    )
    assert not await harness.service.remove_watch(digest.id, CHANNEL)
    assert not await harness.service.remove_watch(sid, OTHER)
    assert await harness.service.remove_watch(sid, CHANNEL)
    assert not await harness.service.remove_watch(sid, CHANNEL)
    assert await harness.service.list_watches(CHANNEL) == []
    assert (await harness.subscriptions.get(digest.id)) is not None
