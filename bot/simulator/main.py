"""`hvr-bot simulator`: serve the fake Fivetran API on a real socket."""

from __future__ import annotations

import argparse
import os
import socket

import uvicorn

from bot.simulator.app import build_app
from bot.simulator.clock import ScaledClock
from bot.simulator.listening import listening_socket
from bot.simulator.simulator import Simulator

DEMO_CREDENTIAL = "demo"


def run_simulator(args: argparse.Namespace) -> int:
    key = os.environ.get("FIVETRAN_API_KEY") or DEMO_CREDENTIAL
    secret = os.environ.get("FIVETRAN_API_SECRET") or DEMO_CREDENTIAL
    sim = Simulator(
        seed=args.seed,
        groups=args.groups,
        connections=args.connections,
        clock=ScaledClock(args.speed),
        api_key=key,
        api_secret=secret,
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        hourly_budget=args.hourly_budget,
    )
    # Listening first, so `--port 0` can print the port the system chose and a client may connect at once.
    sock = listening_socket(args.host, args.port)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if sock.family == socket.AF_INET6 else args.host
    # The key is an identifier, not a secret; the secret is never printed.
    shown_key = f'key "{key}"' if key == DEMO_CREDENTIAL else "key from FIVETRAN_API_KEY"
    print(
        f"Fivetran simulator: http://{host}:{port} — {len(sim.connections)} connections in "
        f"{len(sim.groups)} groups (seed {args.seed}), {shown_key}",
        flush=True,
    )
    config = uvicorn.Config(build_app(sim), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
    return 0
