"""Percentiles, spreads and the machine a figure was measured on."""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks; inf counts as a value."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    if low == high or ordered[high] == ordered[low]:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(runs: Sequence[float], unit: str, *, digits: int = 4) -> dict[str, Any]:
    """One figure over several runs: min, median, max and every run, in `unit`."""
    if not runs:
        raise ValueError("a figure needs at least one run")
    return {
        "unit": unit,
        "min": round(min(runs), digits),
        "median": round(statistics.median(runs), digits),
        "max": round(max(runs), digits),
        "runs": [round(r, digits) for r in runs],
    }


def load_average() -> float:
    """The 1-minute load average: on a shared machine, how much else was running."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


def machine() -> dict[str, Any]:
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "load_average_1min_at_start": load_average(),
    }


def figure(
    runs: Sequence[float],
    unit: str,
    *,
    target: str | None = None,
    met: bool | None = None,
    compare: str | None = None,
    digits: int = 4,
) -> dict[str, Any]:
    """A figure as results.json holds it: its spread, and when there is one, the target and whether the
    median run met it, and what it is compared with (lower bound, naive client) in words."""
    found = spread(runs, unit, digits=digits)
    found["target"] = target
    found["met"] = met
    found["compare"] = compare
    return found
