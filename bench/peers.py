"""10. Peers side by side: the same listing of one account on the same simulator, in the same run, by the
bot's `/hvr list` and by the clients teams would otherwise script with: dagster-fivetran's workspace
client and the async Airflow provider's hook. Requests (the simulator's `/_sim/stats` deltas, legacy
`/v1/connectors` aliases included) and wall time, against the floor pages × latency.

The peers run in their own venv (`.venv-peers`, made by `./dev bench-peers`), each listing driven by
`bench/peer_driver.py` in a subprocess; this process stays in the bot's venv. A peer not installed is
reported as such, not as a failure."""

from __future__ import annotations

import asyncio
import json
import statistics
from pathlib import Path
from typing import Any

from bench.context import Context
from bench.listing import bot_listing
from bench.plan import groups_for, pages
from bench.procs import API_KEY, API_SECRET, SimProcess, simulator
from bench.stats import figure

ROOT = Path(__file__).resolve().parents[1]
PEER_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
PEERS = {"dagster": "dagster-fivetran", "airflow": "Airflow async provider hook"}
PEER_TIMEOUT_S = 300.0


async def _peer_once(name: str, sim: SimProcess) -> dict[str, Any]:
    if not PEER_PYTHON.exists():
        return {"installed": False}
    before = await sim.stats()
    proc = await asyncio.create_subprocess_exec(
        str(PEER_PYTHON),
        str(ROOT / "bench" / "peer_driver.py"),
        name,
        sim.url,
        API_KEY,
        API_SECRET,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), PEER_TIMEOUT_S)
    lines = out.decode().strip().splitlines()
    answer: dict[str, Any] = json.loads(lines[-1]) if lines else {"installed": True, "error": "no answer"}
    after = await sim.stats()
    answer["requests"] = after["request_count"] - before["request_count"]
    answer["legacy_alias_requests"] = after["legacy_alias_requests"] - before["legacy_alias_requests"]
    return answer


async def run(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    size, latency_ms = plan.peers_connections, plan.list_latency_ms
    floor_ms = pages(size) * latency_ms
    peers: dict[str, Any] = {}
    async with simulator(
        ctx.workdir, connections=size, groups=groups_for(size), latency_ms=latency_ms
    ) as sim:
        bot_times, bot_requests = await bot_listing(ctx, sim, plan.reps)
        for name in PEERS:
            runs = [await _peer_once(name, sim) for _ in range(plan.reps)]
            peers[name] = runs
    bot_ms = statistics.median(bot_times) * 1000
    figures: dict[str, Any] = {
        "bot: time to the list": figure(
            [t * 1000 for t in bot_times],
            "ms",
            compare=f"floor {floor_ms:.0f} ms ({pages(size)} pages × {latency_ms:.0f} ms)",
            digits=1,
        ),
        "bot: Fivetran requests": figure(bot_requests, "requests", digits=0),
    }
    status: dict[str, str] = {}
    for name, runs in peers.items():
        label = PEERS[name]
        failed = [r["error"] for r in runs if "error" in r]
        if not all(r.get("installed") for r in runs):
            status[name] = "not installed (./dev bench-peers)"
        elif failed:
            status[name] = f"failed: {failed[0]}"
        else:
            status[name] = f"ok: {runs[0]['connectors']} connectors found"
        if status[name].startswith("ok"):
            ms = [r["seconds"] * 1000 for r in runs]
            requests = [float(r["requests"]) for r in runs]
            figures[f"{label}: time"] = figure(
                ms,
                "ms",
                compare=f"floor {floor_ms:.0f} ms; bot {bot_ms:.0f} ms ({statistics.median(ms) / bot_ms:.1f}× the bot)",
                target="bot faster",
                met=bot_ms < statistics.median(ms),
                digits=1,
            )
            figures[f"{label}: Fivetran requests"] = figure(
                requests,
                "requests",
                compare=f"{runs[0]['legacy_alias_requests']} at legacy /v1/connectors paths; "
                f"bot {statistics.median(bot_requests):.0f}",
                target="bot fewer",
                met=statistics.median(bot_requests) < statistics.median(requests),
                digits=0,
            )
        ctx.log(f"peers: {label}: {status[name]}")
    return {
        "title": "Peers side by side",
        "setup": {
            "connections": size,
            "fivetran_latency_ms": latency_ms,
            "floor_ms": floor_ms,
            "peers": status,
            "measured": "bot: /hvr list to the list in the Slack double, cold snapshot (as benchmark 2); peers: "
            "bench/peer_driver.py in .venv-peers, from the call to the last connector listed (its interpreter "
            "start and imports not counted); requests from /_sim/stats deltas",
        },
        "figures": figures,
    }
