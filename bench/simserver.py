"""The Fivetran simulator as the benchmarks run it: `hvr-bot simulator` plus two uncounted bench routes.

    python -m bench.simserver --connections N --groups G --latency-ms L [--unpause]

POST /_bench/latency {"ms": 2000}  every later answer waits that long (the simulator's latency fault)
POST /_bench/unpause              every connection un-paused, so a bulk pause has the whole account to do
Like `/_sim/*`, these are not counted, not rate limited and never faulted. Prints its URL, then serves.
"""

from __future__ import annotations

import argparse
import json

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.simulator.app import build_app
from bot.simulator.clock import ScaledClock
from bot.simulator.listening import listening_socket
from bot.simulator.simulator import Simulator


def _unpause_all(sim: Simulator) -> int:
    changed = 0
    for connection in sim.connections.values():
        if connection.paused:
            connection.paused = False
            changed += 1
        connection.pending_resync = None
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.simserver")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--groups", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--hourly-budget", type=int, default=20_000)
    parser.add_argument("--unpause", action="store_true", help="start with no connection paused")
    args = parser.parse_args(argv)

    sim = Simulator(
        seed=args.seed,
        groups=args.groups,
        connections=args.connections,
        clock=ScaledClock(1.0),
        latency_ms=args.latency_ms,
        hourly_budget=args.hourly_budget,
    )
    if args.unpause:
        _unpause_all(sim)
    app = build_app(sim)

    async def latency(request: Request) -> JSONResponse:
        body = json.loads(await request.body() or b"{}")
        sim.faults.latency_ms = float(body.get("ms", 0))
        return JSONResponse({"latency_ms": sim.faults.latency_ms})

    async def unpause(request: Request) -> JSONResponse:
        return JSONResponse({"unpaused": _unpause_all(sim)})

    app.add_route("/_bench/latency", latency, methods=["POST"])
    app.add_route("/_bench/unpause", unpause, methods=["POST"])

    sock = listening_socket("127.0.0.1", args.port)
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
