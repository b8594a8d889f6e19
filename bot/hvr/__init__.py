"""The HVR 6 Hub Server client (DESIGN §8): `HvrClient`, its models and its error tree."""

from bot.hvr.client import HvrClient
from bot.hvr.errors import HvrError
from bot.hvr.models import Channel, ChannelTable, Event, HubStatus, Job, JobKind, Location, LocGroup

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
