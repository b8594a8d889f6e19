"""How big and how often: the full suite, and the smoke run that only checks the suite still works."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    smoke: bool
    reps: int  # repetitions of every figure (min / median / max are over these)
    # 1. ack latency
    ack_latency_ms: float = 2000.0
    ack_connections: int = 1000
    ack_sequential: int = 20  # requests sent one after another (concurrency 1), per kind and run
    ack_concurrency: int = 50
    ack_bursts: int = 2  # bursts of `ack_concurrency` simultaneous requests, per kind and run
    # 2. listing
    list_sizes: tuple[int, ...] = (100, 1000, 5000, 10_000)
    # 7. several accounts: connections in each of two accounts
    sources_sizes: tuple[int, ...] = (5000, 10_000)
    list_latency_ms: float = 50.0
    # 3. digest fan-out
    digest_subscriptions: int = 200
    digest_channels: int = 50
    digest_connections: int = 5000
    digest_latency_ms: float = 50.0
    # 4. bulk
    bulk_connectors: int = 500
    bulk_latency_ms: float = 50.0
    bulk_naive_reps: int = 1  # one at a time takes ~50 s here: once, to keep the suite under 10 minutes
    # 5. memory
    memory_connections: int = 10_000
    # 6. throughput
    tput_connections: int = 1000
    tput_latency_ms: float = 50.0
    tput_rates: tuple[float, ...] = (10, 20, 30, 40, 50, 60, 80, 100, 120, 160, 200, 240, 280, 320, 400)
    tput_step_s: float = 4.0
    tput_max_requests: int = 2000  # per step, whatever the rate
    tput_p99_limit_s: float = 1.0
    # 9. HVR hubs: channels on the simulated hub
    hub_channels: int = 500
    hub_latency_ms: float = 50.0  # as the listing benchmark's Fivetran
    # 10. peers side by side: connections listed by the bot and each peer (at list_latency_ms)
    peers_connections: int = 5000


FULL = Plan(smoke=False, reps=3)
SMOKE = Plan(
    smoke=True,
    reps=1,
    ack_latency_ms=500.0,
    ack_connections=100,
    ack_sequential=3,
    ack_concurrency=5,
    ack_bursts=1,
    list_sizes=(100,),
    sources_sizes=(100,),
    digest_subscriptions=4,
    digest_channels=2,
    digest_connections=100,
    bulk_connectors=10,
    memory_connections=100,
    tput_connections=100,
    tput_rates=(5, 10),
    tput_step_s=1.0,
    tput_max_requests=20,
    hub_channels=20,
    peers_connections=100,
)


def groups_for(connections: int) -> int:
    """Groups (destinations) in a generated account: about 200 connections each, at least 2."""
    return max(2, math.ceil(connections / 200))


def pages(connections: int, limit: int = 1000) -> int:
    return max(1, math.ceil(connections / limit))
