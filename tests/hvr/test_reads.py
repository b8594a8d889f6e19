"""Reads and event posts: the definition's maps become models, nulls and unknown fields accepted."""

from __future__ import annotations

from typing import Any

from bot.hvr import JobKind
from tests.hvr.fake_hub import FakeHub
from tests.hvr.test_client import BASE, make

CHANNELS: dict[str, Any] = {
    "orders": {
        "description": "Orders to the warehouse",
        "loc_groups": {"SOURCE": {"members": ["src"]}, "TARGET": {"members": ["tgt", "tgt2"]}},
        "tables": {
            "order_lines": {"base_name": "ORDER_LINES", "cols": {"id": {"sequence": 1, "data_type": "int"}}},
            "customers": {"base_name": "CUSTOMERS"},
        },
        "actions": [
            {"loc_scope": "SOURCE", "table_scope": "*", "type": "Capture"},
            {"loc_scope": "TARGET", "table_scope": "*", "type": "Integrate"},
            {"loc_scope": "TARGET", "type": "Scheduling", "params": {"LatencySLA": "10m"}},
        ],
    },
    "bare": {"unknown": True},
}


async def test_channels_with_tables_groups_and_sla() -> None:
    hub = FakeHub(defaults={f"GET {BASE}/definition/channels": (200, CHANNELS)})
    orders, bare = await make(hub).channels()
    assert hub.sent[-1].params["fetch"] == ["tables", "loc_groups", "members", "channel_actions"]
    assert orders.name == "orders" and [t.name for t in orders.tables] == ["order_lines", "customers"]
    assert orders.source_locs == ["src"] and orders.target_locs == ["tgt", "tgt2"]
    assert orders.latency_sla_seconds == 600 and orders.locations == ["src", "tgt", "tgt2"]
    assert bare.tables == [] and bare.latency_sla_seconds is None and bare.description is None


async def test_locations() -> None:
    locs = {
        "src": {"props": {"Class": "oracle", "Agent_Host": "db1", "Agent_Port": 4343}},
        "tgt": {"props": {"Class": "snowflake"}},
    }
    hub = FakeHub(defaults={f"GET {BASE}/definition/locs": (200, locs)})
    src, tgt = await make(hub).locations()
    assert (src.loc_class, src.remote, tgt.remote) == ("oracle", "db1:4343", "")


async def test_jobs_with_latency_and_states_as_written() -> None:
    jobs = {
        "orders-cap-src": {"state": "RUNNING", "num_retries": 0, "latency": 12},
        "orders-integ-tgt": {
            "state": "FAILED",
            "num_retries": 3,
            "log_job_err_tstamp": "2026-12-02T10:00:00Z",
        },
        "sales-cap-src": {"state": "SUSPEND"},
        "orders-refr-src-tgt": {"state": "RUNNING"},
    }
    hub = FakeHub(defaults={f"GET {BASE}/jobs": (200, jobs)})
    found = {job.name: job for job in await make(hub).jobs()}
    assert hub.sent[-1].params == {"fetch": ["latency"]}
    integ = found["orders-integ-tgt"]
    assert (integ.channel, integ.kind, integ.loc, integ.failing, integ.num_retries) == (
        "orders",
        JobKind.INTEGRATE,
        "tgt",
        True,
        3,
    )
    assert found["orders-cap-src"].latency_seconds == 12 and found["sales-cap-src"].suspended
    assert found["orders-refr-src-tgt"].kind is JobKind.REFRESH


async def test_refresh_and_compare_post_events_and_results_follow() -> None:
    posted = {"posted_ev_id": "2026-12-02T10:00:00.123456Z", "job": "orders-cmp-src-tgt"}
    event = {
        "type": "Compare",
        "state": "DONE",
        "channel": "orders",
        "body": "{}",
        "extra": 1,
        "results": [
            {"table": "order_lines", "result": "compare_state", "value": "identical"},
            {"table": "customers", "result": "compare_state", "value": "different"},
        ],
    }
    hub = FakeHub(
        defaults={
            f"POST {BASE}/channels/orders/compare": (201, posted),
            f"POST {BASE}/channels/orders/refresh": (201, {**posted, "job": "orders-refr-src-tgt"}),
            f"GET {BASE}/events": (200, {posted["posted_ev_id"]: event}),
        }
    )
    client = make(hub)
    compare = await client.post_event(
        "compare", "orders", ["order_lines"], source_loc="src", target_loc="tgt"
    )
    refresh = await client.post_event("refresh", "orders", source_loc="src", target_loc="tgt")
    assert compare == refresh == posted["posted_ev_id"]
    assert hub.sent[1].body == {
        "source_loc": "src",
        "target_loc": "tgt",
        "granularity": "bulk",
        "start_immediate": True,
        "tables": ["order_lines"],
    }
    assert "tables" not in hub.sent[2].body
    (done,) = await client.events(compare)
    assert hub.sent[-1].params["ev_id"] == [posted["posted_ev_id"]]
    assert done.ended and done.table_results()["customers"] == {"compare_state": "different"}


async def test_location_test() -> None:
    hub = FakeHub(defaults={f"POST {BASE}/locs/src/test": (200, {"discovered_props": {"Version": "19c"}})})
    assert await make(hub).test_location("src") == {"discovered_props": {"Version": "19c"}}


def test_models_take_nulls_and_unknown_fields() -> None:
    from bot.hvr import Channel, Event, Job

    channel = Channel.model_validate(
        {"name": "c", "description": None, "tables": None, "loc_groups": None, "actions": None, "x": 1}
    )
    job = Job.model_validate(
        {"name": "c-integ-t", "state": None, "num_retries": None, "latency": None, "new": {}}
    )
    event = Event.model_validate({"ev_id": "e", "type": None, "state": None, "results": None})
    assert (channel.tables, channel.source_locs, job.state, job.num_retries, event.results) == (
        [],
        [],
        "",
        0,
        [],
    )


async def test_refresh_without_locations_reads_them_from_the_definition() -> None:
    one_target = {
        "orders": {
            **CHANNELS["orders"],
            "loc_groups": {"SOURCE": {"members": ["src"]}, "TARGET": {"members": ["tgt"]}},
        }
    }
    posted = {"posted_ev_id": "2026-12-02T10:00:00.123456Z", "job": "orders-refr-src-tgt"}
    hub = FakeHub(
        defaults={
            f"GET {BASE}/definition/channels/orders": (200, one_target["orders"]),
            f"POST {BASE}/channels/orders/refresh": (201, posted),
        }
    )
    assert await make(hub).post_event("refresh", "orders", ["customers"]) == posted["posted_ev_id"]
    assert hub.sent[-2].path == f"{BASE}/definition/channels/orders"  # the one channel, not all of them
    assert (hub.sent[-1].body["source_loc"], hub.sent[-1].body["target_loc"]) == ("src", "tgt")


async def test_refresh_with_two_targets_asks_which() -> None:
    import pytest

    from bot.hvr import HvrError

    hub = FakeHub(defaults={f"GET {BASE}/definition/channels/orders": (200, CHANNELS["orders"])})
    with pytest.raises(HvrError, match="name the source and target"):
        await make(hub).post_event("refresh", "orders")
    assert not [s for s in hub.sent if s.method == "POST" and "refresh" in s.path]
