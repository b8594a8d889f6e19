from __future__ import annotations

import re

from bot.storage.db import Database
from bot.storage.subscriptions import SubscriptionRepo
from tests.fakes import FakeClock


async def test_add_returns_the_stored_row_with_a_short_typeable_id(database: Database) -> None:
    clock = FakeClock()
    repo = SubscriptionRepo(database, clock=clock)
    sub = await repo.add(
        kind="digest",
        channel_id="C1",
        created_by="U1",
        timezone="Europe/Berlin",
        selector="status:failing",
        schedule="weekdays 09:00",
        options={"only_problems": True},
    )
    assert re.fullmatch(r"[0-9a-hjkmnp-tv-z]{6}", sub.id)
    assert sub.active and sub.created_at == clock()
    assert await repo.get(sub.id) == sub


async def test_list_for_channel_shows_only_that_channels_active_subscriptions(database: Database) -> None:
    repo = SubscriptionRepo(database)
    digest = await repo.add(
        kind="digest", channel_id="C1", created_by="U1", timezone="UTC", schedule="hourly"
    )
    watch = await repo.add(
        kind="watch", channel_id="C1", created_by="U1", timezone="UTC", options={"events": ["x"]}
    )
    await repo.add(kind="digest", channel_id="C2", created_by="U1", timezone="UTC", schedule="hourly")

    assert {s.id for s in await repo.list_for_channel("C1")} == {digest.id, watch.id}
    assert [s.id for s in await repo.list_for_channel("C1", kind="watch")] == [watch.id]
    assert len(await repo.list_active(kind="digest")) == 2


async def test_remove_needs_the_right_channel_and_happens_once(database: Database) -> None:
    repo = SubscriptionRepo(database)
    sub = await repo.add(kind="digest", channel_id="C1", created_by="U1", timezone="UTC", schedule="hourly")

    assert not await repo.remove(sub.id, "C2")
    assert await repo.remove(sub.id, "C1")
    assert not await repo.remove(sub.id, "C1")
    assert await repo.list_for_channel("C1") == []
    stored = await repo.get(sub.id)
    assert stored is not None and not stored.active


async def test_version_grows_with_every_change_and_only_then(database: Database) -> None:
    repo = SubscriptionRepo(database)
    start = await repo.version()
    sub = await repo.add(kind="digest", channel_id="C1", created_by="U1", timezone="UTC", schedule="hourly")
    after_add = await repo.version()
    assert after_add > start
    await repo.remove(sub.id, "C2")  # refused: nothing changed
    assert await repo.version() == after_add
    await repo.remove(sub.id, "C1")
    assert await repo.version() > after_add
