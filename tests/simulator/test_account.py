"""The generated account: deterministic, believable, and with a realistic mix of health."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from bot.simulator import ManualClock, Simulator, render
from bot.simulator.names import SERVICES
from bot.simulator.state import is_failing

FIVETRAN_ID = re.compile(r"^[a-z]+_[a-z]+\d*$")


def snapshot(sim: Simulator) -> list[dict[str, object]]:
    return [render.group(g) for g in sim.groups.values()] + [
        render.connection(c) for c in sim.connections.values()
    ]


def test_the_same_seed_gives_the_same_account(clock: ManualClock) -> None:
    one = Simulator(seed=42, connections=500, clock=ManualClock(clock.now()))
    two = Simulator(seed=42, connections=500, clock=ManualClock(clock.now()))
    assert snapshot(one) == snapshot(two)
    assert [one.schema_config(c) for c in list(one.connections)[:10]] == [
        two.schema_config(c) for c in list(two.connections)[:10]
    ]


def test_another_seed_gives_another_account(clock: ManualClock) -> None:
    assert snapshot(Simulator(seed=1, clock=clock)) != snapshot(Simulator(seed=2, clock=clock))


def test_ten_thousand_connections_are_generated() -> None:
    # How fast is measured in bench/, not asserted here (the issue asks for 10,000 within seconds).
    sim = Simulator(connections=10_000, groups=8)
    assert len(sim.connections) == 10_000
    assert len({c.schema for c in sim.connections.values()}) > 1_000


def test_the_health_mix_is_mostly_healthy_with_every_kind_of_trouble() -> None:
    for size in (60, 10_000):
        mix = Counter(c.generated_health for c in Simulator(connections=size).connections.values())
        assert 0.75 <= mix["healthy"] / size <= 0.85, mix
        assert set(mix) == {"healthy", "broken", "failing", "delayed", "paused", "rescheduled", "incomplete"}


def test_each_connection_looks_like_its_health(clock: ManualClock) -> None:
    sim = Simulator(connections=2000, clock=clock)
    for conn in sim.connections.values():
        api = render.connection(conn)
        status = api["status"]
        match conn.generated_health:
            case "broken":
                assert status["setup_state"] == "broken" and status["tasks"][0]["message"]
            case "failing":
                assert is_failing(conn)
            case "delayed":
                assert status["update_state"] == "delayed"
            case "paused":
                assert api["paused"] is True and status["sync_state"] == "paused"
            case "rescheduled":
                assert (
                    status["sync_state"] == "rescheduled" and status["rescheduled_for"] > api["succeeded_at"]
                )
            case "incomplete":
                assert status["setup_state"] == "incomplete" and api["succeeded_at"] is None
            case "healthy":
                assert status["setup_state"] == "connected" and status["sync_state"] == "scheduled"
                assert not is_failing(conn) and conn.succeeded_at is not None
                assert clock.now() - conn.succeeded_at <= timedelta(minutes=conn.sync_frequency)


def test_ids_names_services_and_schedules_are_believable() -> None:
    sim = Simulator(connections=10_000, groups=8)
    ids = [*sim.groups, *sim.connections]
    assert len(set(ids)) == len(ids)
    assert all(FIVETRAN_ID.match(i) for i in ids)
    assert "Snowflake Prod" in {g.name for g in Simulator(groups=8).groups.values()}
    per_group = Counter((c.group_id, c.schema) for c in sim.connections.values())
    assert per_group.most_common(1)[0][1] == 1  # names are unique within a group
    assert {c.service for c in sim.connections.values()} <= {s.name for s in SERVICES}
    assert all(c.schema.startswith(c.service) for c in sim.connections.values())
    assert {c.sync_frequency for c in sim.connections.values()} <= {
        5,
        15,
        30,
        60,
        120,
        180,
        360,
        480,
        720,
        1440,
    }
    assert all(c.daily_sync_time is None or c.sync_frequency == 1440 for c in sim.connections.values())
    assert {c.schedule_type for c in sim.connections.values()} == {"auto", "manual"}


def test_schema_configs_have_several_tables_and_an_unpatchable_system_table() -> None:
    sim = Simulator()
    for cid, conn in sim.connections.items():
        schemas = sim.schema_config(cid)["schemas"]
        tables = [t for s in schemas.values() for t in s["tables"].values()]
        assert len(tables) >= 2
        system = [t for t in tables if not t["enabled_patch_settings"]["allowed"]]
        assert [t["enabled_patch_settings"]["reason_code"] for t in system] == ["SYSTEM_TABLE"]
        if conn.service in ("postgres", "mysql"):
            assert len(schemas) >= 2
        if conn.service == "salesforce":
            assert list(schemas) == ["salesforce"]
