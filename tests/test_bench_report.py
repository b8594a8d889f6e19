"""The benchmark table's header says when the full run was and what partial runs replaced since."""

from __future__ import annotations

from typing import Any

from bench.report import BEGIN, END, render, update_readme


def _results(**extra: Any) -> dict[str, Any]:
    return {
        "machine": {"cores": 2, "cpu_model": "AMD EPYC", "python": "3.11.7", "os": "Linux"},
        "mode": "full",
        "repetitions": 3,
        "finished_at": "2026-12-03 12:22 UTC",
        "duration_s": 426.0,
        "benchmarks": {},
        **extra,
    }


def test_a_full_run_says_when_and_how_long() -> None:
    header = render(_results()).splitlines()[0]
    assert header.startswith("Measured 2026-12-03 12:22 UTC on 2 cores")
    assert header.endswith("the suite took 426 s.")


def test_partial_runs_since_are_named_with_their_times() -> None:
    reruns = [
        {"at": "2026-12-03 12:28 UTC", "only": ["listing"], "repetitions": 3, "duration_s": 57.0},
        {"at": "2026-12-03 12:49 UTC", "only": ["ack", "throughput"], "repetitions": 1, "duration_s": 90.0},
    ]
    header = render(_results(reruns=reruns)).splitlines()[0]
    assert "the suite took 426 s. Re-run since: listing at 2026-12-03 12:28 UTC (3 runs each); " in header
    assert header.endswith("ack, throughput at 2026-12-03 12:49 UTC (1 run each).")


def test_the_readme_table_is_replaced_between_its_markers_only() -> None:
    readme = f"intro\n{BEGIN}\nold table\n{END}\noutro\n"
    assert update_readme(readme, "new table\n") == f"intro\n{BEGIN}\nnew table\n{END}\noutro\n"
    assert update_readme("no markers\n", "new table\n") == "no markers\n"
