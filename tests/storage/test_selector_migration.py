"""Migration 0005 on both backends: digests written with their selector as JSON (and watches as text)
come out with one text selector, and still fire for (and match) the same connectors; 0004 comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.services.alerts.events import AlertEvent, AlertKind
from bot.services.alerts.incidents import IncidentService
from bot.services.alerts.service import AlertService
from bot.services.digests.service import FireOutcome
from bot.services.pipelines.selectors import select, subscription_selector
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.storage.alert_messages import AlertMessageRepo
from bot.storage.claims import EventClaimRepo
from bot.storage.db import Database
from bot.storage.snoozes import SnoozeRepo
from bot.storage.subscriptions import Subscription, SubscriptionRepo
from bot.storage.types import JsonValue, UTCDateTime
from tests.blocks.factory import NOW, connection, group, snapshot
from tests.digests.fakes import FakeFivetran, Replica, digest_clock, digest_poster
from tests.fakes import FakePoster
from tests.storage.revisions import downgrade_to, upgrade_to

FAILED = {"failed_at": (NOW - timedelta(hours=1)).isoformat()}
GROUPS = [group("stage_id", "BigQuery Staging"), group("wh_id", "warehouse")]
CONNECTIONS = [
    connection(id="c_stage_sf", schema="stage_sf", group_id="stage_id", service="salesforce", **FAILED),
    connection(id="c_stage_pg", schema="stage_pg", group_id="stage_id", service="postgres"),
    connection(id="c_wh_sf", schema="wh_sf", group_id="wh_id", service="salesforce", **FAILED),
    connection(
        id="c_wh_pg", schema="wh_pg", group_id="wh_id", service="postgres", status={"setup_state": "broken"}
    ),
]
PROBLEM_NAMES = {"stage_sf", "wh_sf", "wh_pg"}

# As 0004 left them: a digest's JSON is what fired; its text was a copy, unquoted in the oldest rows.
OLD_ROWS: list[dict[str, Any]] = [
    {
        "id": "dstage",
        "kind": "digest",
        "selector": "group:BigQuery Staging status:failing",
        "options": {
            "only_problems": True,
            "selector": {"groups": ["BigQuery Staging"], "statuses": ["failing"], "services": []},
        },
    },
    {
        "id": "dservice",
        "kind": "digest",
        "selector": "service:salesforce",
        "options": {
            "only_problems": False,
            "selector": {"groups": [], "statuses": [], "services": ["salesforce"]},
        },
    },
    {"id": "dall", "kind": "digest", "selector": "", "options": {"only_problems": False}},
    {
        # a status this version does not know was dropped by the JSON reader, and is dropped from the text
        "id": "dbroken",
        "kind": "digest",
        "selector": "group:warehouse status:broken",
        "options": {
            "selector": {"groups": ["warehouse"], "statuses": ["Exploded", "BROKEN"], "services": []}
        },
    },
    {
        "id": "wstage",
        "kind": "watch",
        "selector": "'group:BigQuery Staging' service:salesforce",
        "options": {"events": ["failures", "recoveries"]},
    },
    {"id": "wall", "kind": "watch", "selector": "", "options": {"events": ["failures"]}},
]
# What each subscription selects, as 0004 read it; and, after 0005, the one text it is stored as.
SELECTS = {
    "dstage": {"c_stage_sf"},
    "dservice": {"c_stage_sf", "c_wh_sf"},
    "dall": {c.id for c in CONNECTIONS},
    "dbroken": {"c_wh_pg"},
    "wstage": {"c_stage_sf"},
    "wall": {c.id for c in CONNECTIONS},
}
TEXTS = {
    "dstage": "'group:BigQuery Staging' status:failing",
    "dservice": "service:salesforce",
    "dall": "",
    "dbroken": "group:warehouse status:broken",
    "wstage": "'group:BigQuery Staging' service:salesforce",
    "wall": "",
}
OPTIONS = {
    "dstage": {"only_problems": True},
    "dservice": {"only_problems": False},
    "dall": {"only_problems": False},
    "dbroken": {},
    "wstage": {"events": ["failures", "recoveries"]},
    "wall": {"events": ["failures"]},
}

_rows = sa.table(
    "subscriptions",
    *(sa.column(name) for name in ("id", "kind", "channel_id", "created_by", "schedule", "timezone")),
    sa.column("selector", sa.Text()),
    sa.column("options", JsonValue()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("active", sa.Boolean()),
)


async def _write_old_rows(url: str) -> None:
    database = Database(url)
    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    try:
        async with database.begin() as db:
            for row in OLD_ROWS:
                digest = row["kind"] == "digest"
                await db.execute(
                    sa.insert(_rows).values(
                        **row,
                        channel_id=f"C{row['id'].upper()}",
                        created_by="U1",
                        schedule="hourly" if digest else None,
                        timezone="UTC",
                        created_at=at,
                        updated_at=at,
                        active=True,
                    )
                )
    finally:
        await database.dispose()


async def _stored(url: str) -> dict[str, Subscription]:
    database = Database(url)
    try:
        return {s.id: s for s in await SubscriptionRepo(database).list_active()}
    finally:
        await database.dispose()


@pytest.fixture
async def migrated(empty_database_url: str) -> str:
    await upgrade_to(empty_database_url, "0004")
    await _write_old_rows(empty_database_url)
    # to the newest revision, through 0005: today's repositories read the rows, and they expect it
    await upgrade_to(empty_database_url, "head")
    return empty_database_url


async def test_every_selector_is_one_text_and_digests_keep_no_json_copy(migrated: str) -> None:
    stored = await _stored(migrated)
    assert {sid: s.selector for sid, s in stored.items()} == TEXTS
    assert {sid: dict(s.options) for sid, s in stored.items()} == OPTIONS


async def test_migrated_selectors_select_the_connectors_they_selected_before(migrated: str) -> None:
    account = snapshot(*CONNECTIONS, groups=GROUPS)
    chosen: dict[str, set[str]] = {}
    for sid, sub in (await _stored(migrated)).items():
        selector = subscription_selector(sub)
        assert selector is not None, sid
        chosen[sid] = {c.id for c in select(account, selector)}
    assert chosen == SELECTS


async def test_a_migrated_digest_fires_with_the_problems_of_its_connectors(migrated: str) -> None:
    database = Database(migrated)
    try:
        replica = Replica(database, digest_clock(), FakeFivetran(CONNECTIONS, GROUPS), digest_poster(), "h1")
        listed: dict[str, set[str]] = {}
        for sid in ("dstage", "dservice", "dall", "dbroken"):
            assert await replica.service.fire(sid, NOW) is FireOutcome.POSTED
            body = replica.poster.posts[-1].body()
            listed[sid] = {name for name in PROBLEM_NAMES if name in body}
    finally:
        await database.dispose()
    connections = {c.id: c.name for c in CONNECTIONS}
    assert listed == {sid: {connections[c] for c in SELECTS[sid]} & PROBLEM_NAMES for sid in listed}


class _Fixed:
    def __init__(self, account: AccountSnapshot) -> None:
        self.account = account

    async def get(self, *, max_age: float | None = None) -> AccountSnapshot:
        return self.account

    def peek(self) -> AccountSnapshot | None:
        return self.account


async def test_a_migrated_watch_alerts_for_the_connectors_it_matched_before(migrated: str) -> None:
    database = Database(migrated)
    poster = FakePoster()
    snapshots = _Fixed(snapshot(*CONNECTIONS, groups=GROUPS))
    messages = AlertMessageRepo(database)
    incidents = IncidentService(
        alert_messages=messages,
        snoozes=SnoozeRepo(database),
        claims=EventClaimRepo(database),
        snapshots=snapshots,
        poster=poster,
        now=lambda: NOW,
    )
    service = AlertService(
        subscriptions=SubscriptionRepo(database),
        claims=EventClaimRepo(database),
        alert_messages=messages,
        snapshots=snapshots,
        poster=poster,
        incidents=incidents,
        now=lambda: NOW,
    )
    told: dict[str, set[str]] = {"CWSTAGE": set(), "CWALL": set()}
    try:
        for c in CONNECTIONS:
            before = len(poster.posts)
            event = AlertEvent(c.id, AlertKind.BROKE, NOW, key=f"migrated:{c.id}", source="webhook")
            assert await service.handle(event)
            for post in poster.posts[before:]:
                told[post.channel].add(c.id)
    finally:
        await database.dispose()
    assert told == {"CWSTAGE": SELECTS["wstage"], "CWALL": SELECTS["wall"]}


async def test_downgrade_gives_digests_back_their_json_and_upgrading_again_gives_the_same_text(
    migrated: str,
) -> None:
    await downgrade_to(migrated, "0004")

    old = await _stored(migrated)
    assert {sid: s.options.get("selector") for sid, s in old.items() if s.kind == "digest"} == {
        "dstage": {"groups": ["BigQuery Staging"], "statuses": ["failing"], "services": []},
        "dservice": {"groups": [], "statuses": [], "services": ["salesforce"]},
        "dall": {"groups": [], "statuses": [], "services": []},
        "dbroken": {"groups": ["warehouse"], "statuses": ["broken"], "services": []},
    }
    assert {sid: s.selector for sid, s in old.items()} == TEXTS
    assert old["wstage"].options == OPTIONS["wstage"] and old["wall"].options == OPTIONS["wall"]

    await upgrade_to(migrated, "head")
    again = await _stored(migrated)
    assert {sid: (s.selector, dict(s.options)) for sid, s in again.items()} == {
        sid: (TEXTS[sid], OPTIONS[sid]) for sid in TEXTS
    }
