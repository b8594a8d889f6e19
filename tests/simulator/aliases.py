"""For the bot's own tests: the bot never calls Fivetran by a legacy `/v1/connectors…` name.

The simulator answers those names as live Fivetran did for older clients, and counts each use
(`Simulator.legacy_aliases`, `legacy_alias_requests` in `/_sim/stats`). Every simulator a test of the bot
builds is `watched`, and after each test `tests/conftest.py` asserts that none of them was called by such a
name (`tests/test_habits.py` checks that no test outside `tests/simulator/`, which calls the aliases on
purpose, builds one unwatched):

    sim = watched(Simulator(seed=7, connections=12, clock=clock))
"""

from __future__ import annotations

import weakref

from bot.simulator import Simulator

# Weak: a simulator is checked while something still holds it (a module-scoped one across its tests),
# and forgotten with its test.
_WATCHED: weakref.WeakSet[Simulator] = weakref.WeakSet()


def watched(sim: Simulator) -> Simulator:
    """`sim`, checked after every test while it lives: the bot's requests to it never use a legacy name."""
    _WATCHED.add(sim)
    return sim


def assert_no_legacy_aliases(sim: Simulator) -> None:
    if sim.legacy_alias_requests:
        used = ", ".join(f"{op} ×{n}" for op, n in sorted(sim.legacy_aliases.items()))
        raise AssertionError(f"requests by a legacy /v1/connectors name (use /v1/connections): {used}")


def check_watched() -> None:
    """Every watched simulator still alive has had no legacy-alias request; one that had is reported once
    (and no longer watched, so the tests after it are not failed by it too)."""
    failed = [sim for sim in list(_WATCHED) if sim.legacy_alias_requests]
    for sim in failed:
        _WATCHED.discard(sim)
    if failed:
        assert_no_legacy_aliases(failed[0])
