"""A fake Fivetran REST API v1 over a deterministic generated account, for development, demos, tests
and benchmarks without a Fivetran account.

    sim = Simulator(seed=7, connections=60, clock=ManualClock())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(sim)), base_url="http://simulator",
                               auth=("demo", "demo"))
"""

from bot.simulator.app import build_app
from bot.simulator.clock import Clock, ManualClock, ScaledClock
from bot.simulator.simulator import Simulator

__all__ = ["Clock", "ManualClock", "ScaledClock", "Simulator", "build_app"]
