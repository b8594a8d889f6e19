"""Connector actions: a one-line summary on success, Fivetran's refusal in plain words with its code on
failure, and the connection fetched again and folded into the cache after a change."""

from __future__ import annotations

from typing import Any

import pytest

from bot.fivetran.errors import (
    BadRequest,
    Conflict,
    ConnectError,
    DecodeError,
    FivetranError,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    Timeout,
)
from bot.services.pipelines.actions import ActionResult, ConnectorActions, explain
from bot.services.pipelines.health import Health
from bot.services.pipelines.snapshot import SnapshotCache
from tests.blocks.factory import connection, group
from tests.fakes import FakeClock
from tests.services.fakes import FakeFivetran

CID = "decidedly_conventional"


@pytest.fixture
def fivetran() -> FakeFivetran:
    return FakeFivetran([connection(id=CID)], [group()])


@pytest.fixture
async def cache(fivetran: FakeFivetran) -> SnapshotCache:
    cache = SnapshotCache(fivetran.as_client(), clock=FakeClock().timestamp)
    await cache.get()
    return cache


@pytest.fixture
def actions(fivetran: FakeFivetran, cache: SnapshotCache) -> ConnectorActions:
    return ConnectorActions(fivetran.as_client(), cache)


def now_syncing(fivetran: FakeFivetran) -> None:
    """What Fivetran reports once the change took effect."""
    fivetran.connections[CID] = connection(id=CID, status={"sync_state": "syncing"})


# --- success summaries ---------------------------------------------------------------------------------


async def test_sync_starts_and_says_so(actions: ConnectorActions, fivetran: FakeFivetran) -> None:
    fivetran.message = "Sync has been successfully triggered for connection"
    result = await actions.sync(CID)
    assert (result.ok, result.action, result.connection_id) == (True, "sync", CID)
    assert result.summary == "Sync started."
    assert result.detail == "Sync has been successfully triggered for connection"
    assert ("sync", (CID, False)) in fivetran.calls


async def test_a_force_sync_says_force(actions: ConnectorActions, fivetran: FakeFivetran) -> None:
    result = await actions.sync(CID, force=True)
    assert result.summary == "Force sync started."
    assert ("sync", (CID, True)) in fivetran.calls


async def test_pause_uses_the_answered_connection_without_fetching_it_again(
    actions: ConnectorActions, fivetran: FakeFivetran, cache: SnapshotCache
) -> None:
    result = await actions.pause(CID)
    assert result.ok
    assert result.summary == "Paused: no syncs will run until it is resumed."
    assert result.connection is not None and result.connection.paused
    assert fivetran.count("get_connection") == 0
    snap = cache.peek()
    assert snap is not None and snap.health[CID] is Health.PAUSED


async def test_resume_folds_the_resumed_connection_in(
    actions: ConnectorActions, fivetran: FakeFivetran, cache: SnapshotCache
) -> None:
    await actions.pause(CID)
    result = await actions.resume(CID)
    assert result.summary == "Resumed: syncs run on schedule again."
    snap = cache.peek()
    assert snap is not None and snap.health[CID] is Health.HEALTHY


@pytest.mark.parametrize(
    ("statuses", "ok", "summary"),
    [
        (["PASSED", "PASSED", "SKIPPED"], True, "All 3 setup tests passed."),
        (["PASSED", "WARNING"], True, "Setup tests passed with 1 warning."),
        (["WARNING", "WARNING", "PASSED"], True, "Setup tests passed with 2 warnings."),
        (["PASSED", "FAILED", "WARNING"], False, "1 of 3 setup tests failed."),
        (["JOB_FAILED", "FAILED"], False, "2 of 2 setup tests failed."),
        ([], True, "No setup tests ran."),
    ],
)
async def test_setup_tests_are_summed_up(
    actions: ConnectorActions, fivetran: FakeFivetran, statuses: list[str], ok: bool, summary: str
) -> None:
    fivetran.setup_tests = [{"title": f"t{i}", "status": s} for i, s in enumerate(statuses)]
    result = await actions.run_setup_tests(CID)
    assert (result.ok, result.action, result.summary) == (ok, "test", summary)
    assert [t.status for t in result.setup_tests] == statuses
    assert fivetran.count("get_connection") == 0  # the test answer is the connection


async def test_setup_tests_fold_the_answered_connection_in(
    actions: ConnectorActions, fivetran: FakeFivetran, cache: SnapshotCache
) -> None:
    fivetran.connections[CID] = connection(id=CID, status={"setup_state": "broken"})
    await actions.run_setup_tests(CID)
    snap = cache.peek()
    assert snap is not None and snap.health[CID] is Health.BROKEN


@pytest.mark.parametrize(
    ("scope", "summary"),
    [
        (None, "Historical re-sync of all data started."),
        ({"public": ["orders"]}, "Re-sync of 1 table started."),
        ({"public": ["orders", "items"], "crm": ["accounts"]}, "Re-sync of 3 tables started."),
    ],
)
async def test_resync_says_what_it_resyncs(
    actions: ConnectorActions, fivetran: FakeFivetran, scope: dict[str, list[str]] | None, summary: str
) -> None:
    result = await actions.resync(CID, scope)
    assert (result.ok, result.action, result.summary) == (True, "resync", summary)
    assert ("resync", (CID, scope)) in fivetran.calls


async def test_resync_tables_counts_the_tables(actions: ConnectorActions, fivetran: FakeFivetran) -> None:
    result = await actions.resync_tables(CID, {"public": ["a", "b"]})
    assert (result.ok, result.action, result.summary) == (
        True,
        "resync_tables",
        "Re-sync of 2 tables started.",
    )
    assert ("resync_tables", (CID, {"public": ["a", "b"]})) in fivetran.calls


@pytest.mark.parametrize(
    ("enabled", "summary"), [(True, "Enabled public.orders."), (False, "Disabled public.orders.")]
)
async def test_switching_a_table_says_which(
    actions: ConnectorActions, fivetran: FakeFivetran, enabled: bool, summary: str
) -> None:
    result = await actions.set_table_enabled(CID, "public", "orders", enabled)
    assert (result.ok, result.summary) == (True, summary)
    assert result.schemas is fivetran.schemas
    assert ("set_table_enabled", (CID, "public", "orders", enabled)) in fivetran.calls


async def test_reloading_schemas_returns_the_new_config(
    actions: ConnectorActions, fivetran: FakeFivetran
) -> None:
    result = await actions.reload_schemas(CID)
    assert (result.ok, result.summary) == (True, "Schema config reloaded from the source.")
    assert result.schemas is fivetran.schemas


async def test_get_schemas_reads_the_config(actions: ConnectorActions, fivetran: FakeFivetran) -> None:
    assert await actions.get_schemas(CID) is fivetran.schemas


# --- refresh after a change ---------------------------------------------------------------------------

CHANGES_WITHOUT_A_CONNECTION: list[tuple[str, dict[str, Any]]] = [
    ("sync", {}),
    ("resync", {}),
    ("resync_tables", {"tables": {"public": ["a"]}}),
    ("set_table_enabled", {"schema": "public", "table": "a", "enabled": False}),
    ("reload_schemas", {}),
]


@pytest.mark.parametrize(("method", "kwargs"), CHANGES_WITHOUT_A_CONNECTION)
async def test_after_a_change_the_connection_is_fetched_and_folded_in(
    actions: ConnectorActions,
    fivetran: FakeFivetran,
    cache: SnapshotCache,
    method: str,
    kwargs: dict[str, Any],
) -> None:
    now_syncing(fivetran)
    result: ActionResult = await getattr(actions, method)(CID, **kwargs)
    assert result.ok
    assert fivetran.count("get_connection") == 1
    assert result.connection == fivetran.connections[CID]
    snap = cache.peek()
    assert snap is not None and snap.health[CID] is Health.SYNCING


async def test_a_change_that_cannot_be_reread_still_succeeds_and_invalidates_the_cache(
    actions: ConnectorActions, fivetran: FakeFivetran, cache: SnapshotCache
) -> None:
    fivetran.fail["get_connection"] = Timeout("slow")
    result = await actions.sync(CID)
    assert result.ok and result.connection is None
    before = fivetran.count("list_connections")
    await cache.get()
    assert fivetran.count("list_connections") == before + 1


async def test_a_refused_change_is_not_followed_by_a_refresh(
    actions: ConnectorActions, fivetran: FakeFivetran, cache: SnapshotCache
) -> None:
    snap = cache.peek()
    fivetran.fail["sync"] = Conflict("busy", code="Conflict")
    await actions.sync(CID)
    assert fivetran.count("get_connection") == 0
    assert cache.peek() is snap


async def test_refresh_returns_the_connection_or_none(
    actions: ConnectorActions, fivetran: FakeFivetran
) -> None:
    assert await actions.refresh(CID) == fivetran.connections[CID]
    fivetran.fail["get_connection"] = NotFound("gone", code="NotFound_Connector")
    assert await actions.refresh(CID) is None


# --- Fivetran's errors in plain words -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args", "action"),
    [
        ("sync", (), "sync"),
        ("pause", (), "pause"),
        ("resume", (), "resume"),
        ("run_setup_tests", (), "test"),
        ("resync", (), "resync"),
        ("resync_tables", ({"public": ["a"]},), "resync_tables"),
        ("set_table_enabled", ("public", "a", True), "enable_table"),
        ("set_table_enabled", ("public", "a", False), "disable_table"),
        ("reload_schemas", (), "reload_schemas"),
    ],
)
async def test_every_action_turns_a_refusal_into_a_result(
    actions: ConnectorActions, fivetran: FakeFivetran, method: str, args: tuple[Any, ...], action: str
) -> None:
    fivetran.fail[method] = Forbidden("No permission", code="Forbidden_Scope")
    result: ActionResult = await getattr(actions, method)(CID, *args)
    assert not result.ok
    assert (result.action, result.connection_id) == (action, CID)
    assert result.summary.startswith("The bot's Fivetran API key is not allowed to do this.")
    assert (result.detail, result.code) == ("No permission", "Forbidden_Scope")
    assert result.connection is None


async def test_a_forced_sync_refused_is_recorded_as_force_sync(
    actions: ConnectorActions, fivetran: FakeFivetran
) -> None:
    fivetran.fail["sync"] = Conflict("busy", code="Conflict")
    assert (await actions.sync(CID, force=True)).action == "force_sync"


@pytest.mark.parametrize("method", ["resync", "resync_tables"])
async def test_a_conflict_on_resync_says_a_sync_is_running(
    actions: ConnectorActions, fivetran: FakeFivetran, method: str
) -> None:
    fivetran.fail[method] = Conflict("Cannot resync while syncing", code="Conflict_Sync")
    args = ({"public": ["a"]},) if method == "resync_tables" else ()
    result: ActionResult = await getattr(actions, method)(CID, *args)
    assert result.summary == (
        "A sync is running, so a re-sync can't start now. It can start once the sync ends."
    )
    assert (result.code, result.detail) == ("Conflict_Sync", "Cannot resync while syncing")


async def test_a_conflict_on_other_actions_blames_the_connectors_current_state(
    actions: ConnectorActions, fivetran: FakeFivetran
) -> None:
    fivetran.fail["pause"] = Conflict("busy", code="Conflict")
    result = await actions.pause(CID)
    assert result.summary == "Fivetran refused because of what the connector is doing right now."


@pytest.mark.parametrize(
    ("retry_after", "said"),
    [
        (None, ""),
        (0, ""),
        (30, " Try again in 1 min."),
        (60, " Try again in 1 min."),
        (300, " Try again in 5 min."),
    ],
)
def test_rate_limited_says_when_to_try_again(retry_after: float | None, said: str) -> None:
    error = RateLimited("Too many requests", retry_after=retry_after, code="TooManyRequests")
    assert explain(error, "sync") == f"The account has used its Fivetran API budget for now.{said}"


def test_rate_limited_never_says_a_shorter_wait_than_retry_after() -> None:
    error = RateLimited("Too many requests", retry_after=150)
    assert explain(error, "sync").endswith(" Try again in 3 min.")


async def test_a_rate_limited_action_records_its_code(
    actions: ConnectorActions, fivetran: FakeFivetran
) -> None:
    fivetran.fail["sync"] = RateLimited("Too many requests", retry_after=120, code="TooManyRequests")
    result = await actions.sync(CID)
    assert result.summary == "The account has used its Fivetran API budget for now. Try again in 2 min."
    assert result.code == "TooManyRequests"


@pytest.mark.parametrize(
    ("error", "summary", "code"),
    [
        (
            NotFound("Connection not found", code="NotFound_Connection"),
            "Fivetran no longer knows this connector (deleted or moved?). `/hvr list` shows what exists.",
            "NotFound_Connection",
        ),
        (
            Forbidden("Forbidden", code="Forbidden"),
            "The bot's Fivetran API key is not allowed to do this. Ask a Fivetran admin for the permission.",
            "Forbidden",
        ),
        (
            BadRequest("Invalid scope", code="InvalidInput"),
            "Fivetran did not accept the request.",
            "InvalidInput",
        ),
        (
            ConnectError("connection refused"),
            "Fivetran could not be reached. Nothing was changed; try again in a minute.",
            "ConnectError",
        ),
        (
            Timeout("timed out"),
            "Fivetran did not answer in time. Nothing was changed; try again in a minute.",
            "Timeout",
        ),
        (
            ServerError("Internal error", code="InternalError", status_code=502),
            "Fivetran had an internal problem. It may or may not have acted: check `/hvr show` before retrying.",
            "InternalError",
        ),
        (DecodeError("not JSON"), "Fivetran answered with something unexpected.", "DecodeError"),
    ],
)
async def test_each_error_class_is_said_in_plain_words_with_its_code(
    actions: ConnectorActions, fivetran: FakeFivetran, error: FivetranError, summary: str, code: str
) -> None:
    fivetran.fail["sync"] = error
    result = await actions.sync(CID)
    assert (result.ok, result.summary, result.code, result.detail) == (False, summary, code, error.message)


async def test_a_non_fivetran_error_is_not_swallowed(
    actions: ConnectorActions, fivetran: FakeFivetran
) -> None:
    fivetran.fail["pause"] = [RuntimeError("bug")]  # type: ignore[list-item]
    with pytest.raises(RuntimeError):
        await actions.pause(CID)


async def test_a_change_sent_but_unanswered_in_time_says_it_may_still_happen_and_how_to_check(
    actions: ConnectorActions, fivetran: FakeFivetran
) -> None:
    fivetran.fail["sync"] = Timeout("Fivetran did not answer in time", may_have_acted=True)
    result = await actions.sync(CID)
    assert not result.ok
    assert "may still happen" in result.summary and f"`/hvr show {CID}`" in result.summary
    assert "Nothing was changed" not in result.summary
