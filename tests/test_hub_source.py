"""HubSource: what each action sends the hub, and a hub down as one unreachable source."""

from __future__ import annotations

from typing import Any, cast

import pytest

from bot.fivetran.errors import BadRequest
from bot.hvr.client import HvrClient
from bot.services.pipelines.health import Health
from bot.services.pipelines.hub_source import HubSource
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.sources import Member, Sources
from tests.fakes.hub import FakeHub

CHANNELS: list[dict[str, Any]] = [
    {
        "name": "orders",
        "tables": [{"name": "lines"}, {"name": "heads"}],
        "loc_groups": [{"name": "SOURCE", "members": ["src"]}, {"name": "TARGET", "members": ["tgt"]}],
        "actions": [
            {"type": "Capture", "loc_scope": "SOURCE"},
            {"type": "Integrate", "loc_scope": "TARGET"},
        ],
    },
    {"name": "fresh", "tables": None, "loc_groups": [], "actions": []},
]
JOBS: dict[str, dict[str, Any]] = {
    "orders-cap-src": {"state": "RUNNING", "num_retries": 0, "latency": 3},
    "orders-integ-tgt": {"state": "FAILED", "num_retries": 4, "latency": None},
    "orders-refr-src-tgt": {"state": "DONE"},
    "other-cap-src": {"state": "RUNNING"},
}


def _source() -> tuple[HubSource, FakeHub]:
    hub = FakeHub(CHANNELS, JOBS)
    return HubSource("east", cast(HvrClient, hub)), hub


async def test_channels_are_pipelines_with_their_health() -> None:
    source, _ = _source()
    cache = SnapshotCache(source, name="east")
    snapshot = await cache.get()
    assert snapshot.health == {"east:orders": Health.FAILING, "east:fresh": Health.INCOMPLETE}


async def test_pause_suspends_exactly_the_channels_capture_and_integrate_jobs_once() -> None:
    source, hub = _source()
    await source.pause("east:orders")
    assert hub.calls == [("jobs_suspend", ["orders-cap-src", "orders-integ-tgt"])]


async def test_resume_unsuspends_then_starts() -> None:
    source, hub = _source()
    await source.resume("east:orders")
    assert [c[0] for c in hub.calls] == ["jobs_unsuspend", "jobs_start"]


async def test_sync_starts_the_jobs_retrying_failed_ones() -> None:
    source, hub = _source()
    await source.sync("east:orders")
    assert hub.calls == [("jobs_start", (["orders-cap-src", "orders-integ-tgt"], True))]


async def test_resync_refreshes_all_tables_and_per_table_the_named_ones() -> None:
    source, hub = _source()
    await source.resync("east:orders")
    await source.resync_tables("east:orders", {"": ["lines"]})
    assert hub.calls == [
        ("refresh", ("orders", None, "src", "tgt")),
        ("refresh", ("orders", ["lines"], "src", "tgt")),
    ]


async def test_schema_settings_are_refused_in_words() -> None:
    source, _ = _source()
    with pytest.raises(BadRequest, match="not available for HVR channels"):
        await source.get_schemas("east:orders")


async def test_a_hub_down_is_one_unreachable_source_not_every_channel_broken() -> None:
    source, hub = _source()
    hub.down = True
    other = HubSource("west", cast(HvrClient, FakeHub(CHANNELS, JOBS)))
    sources = Sources(
        [
            Member("east", source, SnapshotCache(source, name="east")),
            Member("west", other, SnapshotCache(other, name="west")),
        ]
    )
    snapshot = await sources.get()
    assert set(snapshot.unreachable) == {"east"}
    assert "could not be reached" in snapshot.unreachable["east"]
    assert Health.BROKEN not in snapshot.health.values()
    assert set(snapshot.health) == {"west:orders", "west:fresh"}


async def test_a_bot_with_only_hubs_has_one_source_per_hub() -> None:
    import asyncio
    import time
    from datetime import UTC, datetime

    import httpx
    from pydantic import SecretStr

    from bot.compose import pipelines
    from bot.config import Settings
    from bot.source_config import HvrHub

    hub = HvrHub(name="east", url="http://127.0.0.1:18240", username="demo", password=SecretStr("demo"))
    settings = Settings(hvr_hubs={"east": hub}, _env_file=None)
    async with httpx.AsyncClient() as http:
        built = pipelines(
            settings, http, None, None, 30.0, asyncio.sleep, lambda: datetime.now(UTC), time.monotonic
        )
        assert built.sources.names == ("east",)
        assert built.clients == {}
        await built.hubs["east"].aclose()


async def test_one_channels_call_reads_that_channel_and_its_jobs_only() -> None:
    source, hub = _source()
    await source.get_connection("east:orders")
    await source.pause("east:orders")
    assert hub.reads == [("channel", "orders"), ("jobs", "orders")] * 3  # pause: before, and the row after


async def test_the_view_has_locations_jobs_the_failed_jobs_last_error_and_events() -> None:
    hub = FakeHub(
        CHANNELS,
        JOBS,
        logs={"orders-integ-tgt": "2026-12-02T10:00:00Z: hvr: F_JD0A2E: ORA-01017: denied\nlater: fine\n"},
        locations=[{"name": "src", "props": {"Class": "oracle"}}],
        events=[{"ev_id": "e1", "type": "Refresh", "state": "DONE", "channel": "orders"}],
    )
    view = await HubSource("east", cast(HvrClient, hub)).channel_view("east:orders")
    assert [(loc.name, loc.role, loc.loc_class) for loc in view.locations] == [
        ("src", "source", "oracle"),
        ("tgt", "target", ""),
    ]
    assert [(j.name, j.state, j.retries, j.last_error) for j in view.jobs] == [
        ("orders-cap-src", "RUNNING", 0, None),
        ("orders-integ-tgt", "FAILED", 4, "F_JD0A2E: ORA-01017: denied"),
        ("orders-refr-src-tgt", "DONE", 0, None),
    ]
    assert [e.ev_id for e in view.events] == ["e1"] and view.row.id == "east:orders"
    assert ("job_log", "orders-integ-tgt") in hub.reads and ("job_log", "orders-cap-src") not in hub.reads


async def test_the_last_error_names_the_failing_job() -> None:
    hub = FakeHub(CHANNELS, JOBS, logs={"orders-integ-tgt": "F_JD0001E: boom\n"})
    found = await HubSource("east", cast(HvrClient, hub)).last_error("east:orders")
    assert found is not None and found.line() == "orders-integ-tgt: F_JD0001E: boom"
    assert await HubSource("east", cast(HvrClient, hub)).last_error("east:fresh") is None


async def test_a_hubs_errors_name_the_hub_not_fivetran() -> None:
    from bot.services.pipelines.actions import explain
    from bot.source_errors import SourceError

    source, hub = _source()
    hub.down = True
    with pytest.raises(SourceError) as caught:
        await source.get_connection("east:orders")
    said = explain(caught.value, "sync", "east:orders")
    assert said.startswith("The HVR hub east could not be reached") and "Fivetran" not in said
    with pytest.raises(SourceError) as missing:
        await _source()[0].get_connection("east:nope")
    assert str(missing.value) == "The HVR hub east answered 404 F_JR0300E: Channel nope does not exist"
    assert "Fivetran" not in explain(missing.value, "read")


async def test_what_a_hub_lacks_is_refused_in_its_own_words() -> None:
    from bot.services.pipelines.actions import explain
    from bot.source_errors import SourceError

    source, _ = _source()
    with pytest.raises(SourceError) as caught:
        await source.get_columns("east:orders", "s", "t")
    assert explain(caught.value, "read") == (
        "Reading column settings is not available for HVR channels: `/hvr tables east:orders` lists them;"
        " change the channel's tables in the hub's UI."
    )


async def test_sources_answer_hub_reads_for_hub_keys_and_refuse_fivetran_keys() -> None:
    from bot.services.pipelines.operations import OnlyForHubs

    source, _ = _source()
    sources = Sources([Member("east", source, SnapshotCache(source, name="east"))])
    assert sources.hubs == {"east": "hvrhub"}
    assert [t.name for t in await sources.channel_tables("east:orders")] == ["lines", "heads"]
    account = cast(Any, object())  # a Fivetran account's source: never asked, the key alone refuses
    fivetran = Sources([Member("fivetran", account, SnapshotCache(source))])
    for read in (fivetran.channel_view, fivetran.channel_tables, fivetran.last_error):
        with pytest.raises(OnlyForHubs, match="only for HVR channels: a Fivetran connection has none"):
            await read("abc")


async def test_compare_posts_an_event_read_back_by_its_id_with_the_result_per_table() -> None:
    source, hub = _source()
    ev_id = await source.compare("east:orders", ["lines"])
    assert hub.calls == [("compare", ("orders", ["lines"], "src", "tgt"))]
    running = await source.event("east:orders", ev_id)
    assert (running.event_id, running.kind, running.state.value) == (ev_id, "compare", "active")
    hub.posted[ev_id].update(
        state="DONE",
        results=[
            {"table": "lines", "result": "compare_state", "value": "identical"},
            {"table": "heads", "result": "rows_differ", "value": "3"},
        ],
    )
    done = await source.event("east:orders", ev_id)
    assert done.state.value == "done"
    assert [(t.table, t.result) for t in done.tables] == [("lines", "identical"), ("heads", "rows_differ 3")]


async def test_an_unknown_event_is_not_found() -> None:
    from bot.fivetran.errors import NotFound

    source, _ = _source()
    with pytest.raises(NotFound, match="knows no event"):
        await source.event("east:orders", "2026-12-02T00:00:00Z")


async def test_jobs_are_the_channels_capture_and_integrate_jobs() -> None:
    source, _ = _source()
    jobs = await source.jobs("east:orders")
    assert [(j.name, j.state, j.failing, j.running) for j in jobs] == [
        ("orders-cap-src", "RUNNING", False, True),
        ("orders-integ-tgt", "FAILED", True, False),
    ]


async def test_a_fivetran_connection_has_no_compare() -> None:
    from bot.services.pipelines.operations import OnlyForHubs, hub_operations
    from bot.services.pipelines.source import FivetranSource

    fivetran = FivetranSource("fivetran", cast(Any, object()))
    with pytest.raises(OnlyForHubs, match="only for HVR channels"):
        hub_operations(fivetran)
    assert hub_operations(_source()[0]) is not None
