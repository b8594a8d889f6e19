"""`warm`: a command arriving starts the snapshot's fetch before its ack is out; its `get` joins that fetch,
a fresh snapshot costs nothing, and a warmed fetch that failed is not lost in the log nor cached."""

from __future__ import annotations

import asyncio
import gc
import logging
from datetime import UTC, datetime

import pytest

from bot.commands.grammar import VERBS
from bot.fivetran.errors import ServerError
from bot.services.pipelines.snapshot import WARM_KEPT_S, SnapshotCache
from bot.slack.warm import NEEDS_NO_SNAPSHOT, READS_SNAPSHOT, warm_for
from tests.blocks.factory import connection, group
from tests.fakes import FakeClock
from tests.services.fakes import FakeFivetran

TTL = 30.0


def cache_of(fivetran: FakeFivetran, clock: FakeClock) -> SnapshotCache:
    return SnapshotCache(
        fivetran.as_client(), ttl=TTL, clock=clock.timestamp, now=lambda: datetime(2026, 5, 9, tzinfo=UTC)
    )


def account() -> FakeFivetran:
    return FakeFivetran([connection(id="a", schema="alpha")], [group()])


async def test_a_warmed_fetch_is_the_one_the_command_then_waits_for() -> None:
    fivetran, clock = account(), FakeClock()
    cache = cache_of(fivetran, clock)
    fivetran.gate = asyncio.Event()

    cache.warm()
    await asyncio.sleep(0)
    assert fivetran.count("list_connections") == 1  # under way before anyone waits on it
    cache.warm()  # a second command meanwhile: the same fetch
    waiting = asyncio.create_task(cache.get())
    fivetran.gate.set()
    got = await waiting

    assert set(got.connections) == {"a"}
    assert cache.fetches == 1 and fivetran.count("list_connections") == 1


async def test_a_fresh_snapshot_is_not_fetched_again_and_a_stale_one_is() -> None:
    fivetran, clock = account(), FakeClock()
    cache = cache_of(fivetran, clock)
    await cache.get()

    cache.warm()
    assert cache.fetches == 1
    clock.advance(TTL + 1)
    cache.warm()
    await cache.get()
    assert cache.fetches == 2


async def warmed_and_failed() -> tuple[FakeFivetran, FakeClock, SnapshotCache]:
    """A cache whose warmed fetch failed (a 503) before any command waited on it."""
    fivetran, clock = account(), FakeClock()
    cache = cache_of(fivetran, clock)
    fivetran.fail["list_connections"] = [ServerError("boom", status_code=503)]
    cache.warm()
    for _ in range(10):
        await asyncio.sleep(0)
    return fivetran, clock, cache


async def test_a_warmed_fetch_that_failed_is_the_commands_answer_not_asked_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 429 told to wait an hour must not be asked twice: the command hears the warmed fetch's failure."""
    fivetran, _, cache = await warmed_and_failed()

    with caplog.at_level(logging.ERROR):
        with pytest.raises(ServerError):
            await cache.get()
        assert fivetran.count("list_connections") == 1
        got = await cache.get()  # the next command asks again, and it answers now
        gc.collect()  # where asyncio reports a task whose failure nobody looked at

    assert set(got.connections) == {"a"} and cache.fetches == 2
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


async def test_a_warmed_failure_nobody_asked_for_is_not_kept_for_a_later_command(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The command it was warmed for never asked (refused in that channel, say): minutes later, a command
    gets a fetch of its own, and the failure left behind is not logged as lost."""
    fivetran, clock, cache = await warmed_and_failed()

    with caplog.at_level(logging.ERROR):
        clock.advance(WARM_KEPT_S + 1)
        got = await cache.get()
        gc.collect()

    assert set(got.connections) == {"a"} and fivetran.count("list_connections") == 2
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


@pytest.mark.parametrize(
    ("text", "fetches"),
    [
        ("list status:failing", 1),
        ("show alpha", 1),
        ("SYNC alpha", 1),
        ("help", 0),
        ("digest list", 0),
        ("", 0),
    ],
)
async def test_only_a_command_that_reads_the_snapshot_warms_it(text: str, fetches: int) -> None:
    fivetran, clock = account(), FakeClock()
    cache = cache_of(fivetran, clock)

    warm_for(cache, text)
    for _ in range(10):
        await asyncio.sleep(0)

    assert cache.fetches == fetches
    assert "help" not in READS_SNAPSHOT and "digest" not in READS_SNAPSHOT


def test_the_verbs_left_out_are_the_grammars_own() -> None:
    # a verb misspelled here would warm for nothing, silently
    verbs = set(VERBS)
    assert verbs >= NEEDS_NO_SNAPSHOT and verbs - NEEDS_NO_SNAPSHOT == READS_SNAPSHOT
