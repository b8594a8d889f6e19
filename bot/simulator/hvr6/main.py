"""`hvr-bot simulator --kind hvr6`: serve the fake Hub Server on a real socket."""

from __future__ import annotations

import argparse
import socket

import uvicorn

from bot.simulator.clock import ScaledClock
from bot.simulator.hvr6.app import build_app
from bot.simulator.hvr6.hub import HUB, Hub
from bot.simulator.listening import listening_socket


def run_hvr6(args: argparse.Namespace) -> int:
    hub = Hub(
        clock=ScaledClock(args.speed),
        channels=args.channels,
        seed=args.seed,
        token_seconds=args.token_seconds,
    )
    sock = listening_socket(args.host, 4340 if args.port is None else args.port)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if sock.family == socket.AF_INET6 else args.host
    print(
        f"HVR 6 hub simulator: http://{host}:{port} — hub {HUB}, {len(hub.defs)} channels (seed {args.seed}), "
        'user "demo"',
        flush=True,
    )
    uvicorn.Server(uvicorn.Config(build_app(hub), log_level="warning", lifespan="on")).run(sockets=[sock])
    return 0
