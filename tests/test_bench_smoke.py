"""The benchmark suite still runs: `python -m bench --smoke` writes well-formed results.

Benchmarks are not tests: this checks the shape of what the smoke run wrote (every benchmark ran, every
figure has its spread, numbers are finite and not negative, durations and sizes are positive), never a
timing against a target.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = (
    "ack",
    "listing",
    "digest",
    "bulk",
    "memory",
    "throughput",
    "sources",
    "watcher",
    "hubs",
    "peers",
)
POSITIVE_UNITS = ("ms", "s", "MB")


def test_smoke_run_writes_well_formed_results(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    results = json.loads((tmp_path / "results.json").read_text())
    assert results["mode"] == "smoke"
    assert results["repetitions"] == 1
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["python"] and machine["cpu_model"]
    assert results["duration_s"] > 0
    assert list(results["benchmarks"]) == list(BENCHMARKS)

    for name, bench in results["benchmarks"].items():
        assert "error" not in bench, f"{name}: {bench.get('error')}"
        assert bench["title"] and bench["setup"] and bench["seconds"] > 0
        assert bench["figures"], f"{name} has no figures"
        for label, fig in bench["figures"].items():
            where = f"{name} / {label}"
            assert fig["unit"], where
            assert len(fig["runs"]) == 1, where
            numbers = [fig["min"], fig["median"], fig["max"], *fig["runs"]]
            assert all(isinstance(n, int | float) and math.isfinite(n) and n >= 0 for n in numbers), where
            assert fig["min"] <= fig["median"] <= fig["max"], where
            if fig["unit"] in POSITIVE_UNITS:
                assert fig["min"] > 0, where
            assert fig["met"] in (True, False, None), where

    table = (tmp_path / "results.md").read_text()
    assert "| Benchmark | Figure | Median | Min – max |" in table
    for bench in results["benchmarks"].values():
        assert bench["title"] in table
