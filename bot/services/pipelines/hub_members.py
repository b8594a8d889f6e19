"""The configured HVR hubs as members of `Sources`: each hub's client and its snapshot cache.

Its own module so that a bot without hubs never imports it, nor through it the hub client (issue 22: an
idle `serve`'s memory); `compose.pipelines` imports it only when a hub is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import httpx

from bot.clock import Sleep
from bot.hvr.client import HvrClient
from bot.services.pipelines.hub_source import HubSource
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.sources import Member
from bot.services.runtime.foreground import Defer
from bot.source_config import HvrHub


def hub_members(
    configured: Sequence[HvrHub],
    *,
    ttl: float,
    sleep: Sleep,
    now: Callable[[], datetime],
    clock: Callable[[], float],
    defer: Defer,
    transport: httpx.AsyncBaseTransport | None,
) -> tuple[dict[str, HvrClient], list[Member]]:
    """Each hub's client (its own HTTP connection and bearer token, closed with the bot) by name, and its
    member; `transport` carries every hub's requests instead of the network (the shell's simulated hub)."""
    clients: dict[str, HvrClient] = {}
    members: list[Member] = []
    for hub in configured:
        client = HvrClient(
            hub.url,
            hub.username,
            hub.password.get_secret_value(),
            hub.hub,
            hub.api_version,
            sleep=sleep,
            transport=transport,
        )
        clients[hub.name] = client
        source = HubSource(hub.name, client)
        cache = SnapshotCache(source, name=hub.name, ttl=ttl, clock=clock, now=now, defer=defer)
        members.append(Member(hub.name, source, cache))
    return clients, members
