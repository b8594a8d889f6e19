"""Runs the benchmarks and writes results.json and results.md."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import ack, bulk, digest, hubs, listing, memory, peers, sources, throughput, watcher
from bench.context import Context
from bench.plan import FULL, SMOKE, Plan
from bench.report import render, update_readme
from bench.stats import load_average, machine

Benchmark = Callable[[Context], Awaitable[dict[str, Any]]]
BENCHMARKS: dict[str, Benchmark] = {
    "ack": ack.run,
    "listing": listing.run,
    "digest": digest.run,
    "bulk": bulk.run,
    "memory": memory.run,
    "throughput": throughput.run,
    "sources": sources.run,
    "watcher": watcher.run,
    "hubs": hubs.run,
    "peers": peers.run,
}
HERE = Path(__file__).resolve().parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, one run each: checks the suite runs"
    )
    parser.add_argument("--out", type=Path, help="directory for results.json and results.md")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--reps", type=int, help="runs of each figure (default 3; 1 with --smoke)")
    return parser


async def _one(name: str, context: Context) -> dict[str, Any]:
    print(f"{name}…", flush=True)
    started = time.perf_counter()
    load_before = load_average()
    try:
        result = await BENCHMARKS[name](context)
    except Exception as error:  # one broken benchmark must not lose the others' figures
        traceback.print_exc()
        result = {"title": name, "error": f"{type(error).__name__}: {error}"}
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["load_average_1min"] = {"before": load_before, "after": load_average()}
    print(f"{name} done in {result['seconds']} s", flush=True)
    return result


async def run_suite(plan: Plan, names: list[str]) -> dict[str, Any]:
    """One benchmark after another; in a smoke run all at once (its figures mean nothing, so they may
    disturb each other, and most of its time is processes starting)."""
    with tempfile.TemporaryDirectory(prefix="hvr-bench-") as scratch:
        context = Context(plan, Path(scratch))
        if plan.smoke:
            found = await asyncio.gather(*(_one(name, context) for name in names))
            return dict(zip(names, found, strict=True))
        return {name: await _one(name, context) for name in names}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    if args.reps:
        plan = replace(plan, reps=args.reps)
    names = list(BENCHMARKS) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    out: Path = args.out or (HERE / ".smoke" if plan.smoke else HERE)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    benchmarks = asyncio.run(run_suite(plan, names))
    json_path = out / "results.json"
    finished_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    duration_s = round(time.perf_counter() - started, 1)
    reps = plan.reps
    reruns: list[dict[str, Any]] = []
    if args.only and json_path.exists():
        # A partial run updates its benchmarks and keeps the others' latest figures; the header still
        # tells when the whole suite ran and which benchmarks were re-run since (`report.render`).
        previous = json.loads(json_path.read_text())
        if previous.get("mode") == ("smoke" if plan.smoke else "full"):
            benchmarks = {**previous.get("benchmarks", {}), **benchmarks}
            benchmarks = {n: benchmarks[n] for n in BENCHMARKS if n in benchmarks}
            rerun = {"at": finished_at, "only": names, "repetitions": reps, "duration_s": duration_s}
            reruns = [*previous.get("reruns", []), rerun]
            finished_at = previous.get("finished_at", finished_at)
            duration_s = previous.get("duration_s", duration_s)
            reps = previous.get("repetitions", reps)
    results = {
        "suite": "hvr-bot benchmarks",
        "mode": "smoke" if plan.smoke else "full",
        "command": "python -m bench" + (" --smoke" if plan.smoke else ""),
        "machine": machine(),
        "repetitions": reps,
        "finished_at": finished_at,
        "duration_s": duration_s,
        "benchmarks": benchmarks,
        **({"reruns": reruns} if reruns else {}),
    }
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    table = render(results)
    (out / "results.md").write_text(table)
    readme = HERE / "README.md"
    if out.resolve() == HERE and not plan.smoke and readme.exists():
        readme.write_text(update_readme(readme.read_text(), table))
    print(f"wrote {json_path} and {out / 'results.md'}")
    print(table)
    return 1 if any("error" in b for b in benchmarks.values()) else 0
