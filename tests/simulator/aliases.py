"""For the bot's own tests: the bot never calls Fivetran by a legacy `/v1/connectors…` name.

The simulator answers those names as live Fivetran did for older clients, and counts each use
(`Simulator.legacy_aliases`, `legacy_alias_requests` in `/_sim/stats`); a test, or a harness's teardown,
asserts the count is still 0:

    assert_no_legacy_aliases(sim)
"""

from __future__ import annotations

from bot.simulator import Simulator


def assert_no_legacy_aliases(sim: Simulator) -> None:
    if sim.legacy_alias_requests:
        used = ", ".join(f"{op} ×{n}" for op, n in sorted(sim.legacy_aliases.items()))
        raise AssertionError(f"requests by a legacy /v1/connectors name (use /v1/connections): {used}")
