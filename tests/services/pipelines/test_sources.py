"""Several Fivetran accounts behind one face: two simulated accounts with the same connection names, each
with its own client, so what one is asked never reaches the other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import httpx
import pytest
import respx

from bot.fivetran.client import FivetranClient
from bot.fivetran.errors import FivetranError, ServerError
from bot.fivetran.retry import RetryPolicy
from bot.fivetran.transport import Transport
from bot.keys import qualify, split
from bot.services.pipelines.actions import ConnectorActions
from bot.services.pipelines.selectors import Selector, select
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.source import FivetranSource
from bot.services.pipelines.sources import Member, Sources, UnknownSource
from bot.simulator import Simulator, build_app
from tests.fakes import FakeClock
from tests.simulator.aliases import watched


@dataclass
class Two:
    sources: Sources
    prod: Simulator
    staging: Simulator


def _member(name: str, sim: Simulator, http: httpx.AsyncClient) -> Member:
    transport = Transport(
        http,
        api_key=sim.api_key,
        api_secret=sim.api_secret,
        base_url=f"http://{name}",
        retry=RetryPolicy(max_attempts=1),
    )
    source = FivetranSource(name, FivetranClient(transport))
    return Member(name, source, SnapshotCache(source, name=name))


@pytest.fixture
async def two() -> AsyncIterator[Two]:
    # the same seed: the same connection names and ids in both accounts, as a staging copy of prod has
    clock = FakeClock()
    prod = watched(
        Simulator(seed=5, groups=2, connections=8, clock=clock, api_key="prod-key", api_secret="prod-s")
    )
    staging = watched(
        Simulator(seed=5, groups=2, connections=8, clock=clock, api_key="stg-key", api_secret="stg-s")
    )
    mounts = {
        "http://prod": httpx.ASGITransport(app=build_app(prod)),
        "http://staging": httpx.ASGITransport(app=build_app(staging)),
    }
    async with httpx.AsyncClient(mounts=mounts) as http:
        yield Two(Sources([_member("prod", prod, http), _member("staging", staging, http)]), prod, staging)


async def test_the_snapshot_holds_both_accounts_under_keys_naming_their_source(two: Two) -> None:
    snapshot = await two.sources.get()
    assert snapshot.sources == ("prod", "staging") and snapshot.several and snapshot.unreachable == {}
    assert len(snapshot.connections) == 16
    for cid in two.prod.connections:
        assert {qualify("prod", cid), qualify("staging", cid)} <= set(snapshot.connections)
    for key, connection in snapshot.connections.items():
        assert connection.id == key and split(connection.group_id)[0] == split(key)[0]
        assert snapshot.groups[connection.group_id]  # every group is there, under its source too


async def test_a_sync_goes_to_the_account_its_key_names_and_only_there(two: Two) -> None:
    snapshot = await two.sources.get()
    cid = next(
        c
        for c, conn in two.staging.connections.items()
        if not conn.paused and conn.setup_state == "connected"
    )
    before = {
        name: dict(sim.requests_by_operation) for name, sim in (("prod", two.prod), ("staging", two.staging))
    }
    result = await ConnectorActions(two.sources, two.sources).sync(qualify("staging", cid))
    assert result.ok, result.summary
    assert result.connection is not None and result.connection.id == f"staging:{cid}"
    sync = "POST /v1/connections/{connection_id}/sync"
    assert two.staging.requests_by_operation.get(sync, 0) == before["staging"].get(sync, 0) + 1
    assert two.prod.requests_by_operation.get(sync, 0) == before["prod"].get(sync, 0)
    assert snapshot.connections[f"staging:{cid}"].id == f"staging:{cid}"


async def test_one_account_down_leaves_the_other_listed_and_names_the_one_that_failed(two: Two) -> None:
    two.staging.faults.script(method="GET", path_regex=r"^/v1/connections$", status=500, times=5)
    snapshot = await two.sources.get()
    assert set(snapshot.unreachable) == {"staging"}
    assert snapshot.unreachable["staging"] == "it answered with an internal error (HTTP 500)."
    assert {split(k)[0] for k in snapshot.connections} == {"prod"}
    assert len(snapshot.connections) == 8


async def test_every_account_down_raises_as_one_account_would(two: Two) -> None:
    for sim in (two.prod, two.staging):
        sim.faults.script(method="GET", path_regex=r"^/v1/connections$", status=500, times=5)
    with pytest.raises(ServerError):
        await two.sources.get()


async def test_a_key_of_a_source_that_is_not_configured_fails_when_awaited_as_not_found(two: Two) -> None:
    call = two.sources.sync("gone:abc")  # an old button, from before the configuration changed
    with pytest.raises(UnknownSource) as refused:
        await call
    assert isinstance(refused.value, FivetranError) and "gone" in refused.value.message


async def test_a_change_folds_into_its_own_sources_cache(two: Two) -> None:
    snapshot = await two.sources.get()
    key = next(k for k, c in snapshot.connections.items() if k.startswith("prod:") and not c.paused)
    paused = await ConnectorActions(two.sources, two.sources).pause(key)
    assert paused.ok
    after = two.sources.peek()
    assert after is not None and after.connections[key].paused
    staging_twin = key.replace("prod:", "staging:", 1)
    assert not after.connections[staging_twin].paused


@respx.mock
async def test_columns_are_read_and_changed_in_the_account_the_key_names() -> None:
    config = {"schema_change_handling": "ALLOW_ALL", "schemas": {}}
    columns = {"columns": {"email": {"name_in_destination": "email", "enabled": True, "hashed": False}}}
    for host in ("prod", "staging"):
        respx.get(f"http://{host}/v1/connections/c1/schemas/public/tables/orders/columns").respond(
            json={"code": "Success", "data": columns}
        )
        respx.patch(f"http://{host}/v1/connections/c1/schemas/public/tables/orders/columns/email").respond(
            json={"code": "Success", "data": config}
        )
    async with httpx.AsyncClient() as http:
        sources = Sources(
            [_member(name, watched(Simulator(seed=1, connections=1)), http) for name in ("prod", "staging")]
        )
        found = await sources.get_columns(qualify("staging", "c1"), "public", "orders")
        await sources.set_column(
            qualify("staging", "c1"), "public", "orders", "email", enabled=True, hashed=True
        )
    assert list(found.columns) == ["email"]
    hosts = [(call.request.method, call.request.url.host) for call in respx.calls]
    assert hosts == [("GET", "staging"), ("PATCH", "staging")]
    with pytest.raises(UnknownSource):
        await sources.get_columns(qualify("qa", "c1"), "public", "orders")


async def test_a_named_sources_pages_carry_its_keys_and_its_snapshot_is_sorted_as_they_come() -> None:
    sim = watched(Simulator(seed=5, groups=2, connections=8, clock=FakeClock(), api_key="k", api_secret="s"))
    async with httpx.AsyncClient(mounts={"http://prod": httpx.ASGITransport(app=build_app(sim))}) as http:
        member = _member("prod", sim, http)
        assert isinstance(member.source, FivetranSource)
        pages = [page async for page in member.source.connection_pages()]
        assert [c.id for p in pages for c in p] == [qualify("prod", cid) for cid in sim.connections]
        own = await member.cache.get()
    assert own.ordered is not None
    assert [c.id for c in own.ordered.connections] == [
        c.id for c in select(replace(own, ordered=None), Selector())
    ]


async def test_several_sources_are_merged_in_list_order_as_their_fetches_sorted_them(two: Two) -> None:
    merged = await two.sources.get()
    assert merged.ordered is not None

    assert [c.id for c in select(merged, Selector())] == [
        c.id for c in select(replace(merged, ordered=None, selections={}), Selector())
    ]
    assert len(merged.ordered.connections) == 16
