"""The HVR 6 Hub Server client (DESIGN §8): `HvrClient`, its models and its error tree.

The names below are resolved when first asked for (PEP 562), not when the package is imported: the
models are read by every `serve` (a hub's channel is one kind of pipeline), the client only by a bot
with hubs configured, so a bot without hubs never imports it (issue 22: an idle `serve`'s memory).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.hvr.client import HvrClient
    from bot.hvr.errors import HvrError
    from bot.hvr.models import Channel, ChannelTable, Event, HubStatus, Job, JobKind, Location, LocGroup

_WHERE = {
    "HvrClient": "bot.hvr.client",
    "HvrError": "bot.hvr.errors",
    **{
        name: "bot.hvr.models"
        for name in (
            "Channel",
            "ChannelTable",
            "Event",
            "HubStatus",
            "Job",
            "JobKind",
            "LocGroup",
            "Location",
        )
    },
}

__all__ = [
    "Channel",
    "ChannelTable",
    "Event",
    "HubStatus",
    "HvrClient",
    "HvrError",
    "Job",
    "JobKind",
    "LocGroup",
    "Location",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: later lookups find it without coming here
    return value
