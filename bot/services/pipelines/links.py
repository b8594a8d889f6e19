"""Fivetran dashboard URLs, as people paste them into Slack, to the pipeline or group they show.

The dashboard has spelt a connection's page several ways over the years, and all of them are still pasted:
`/dashboard/connections/<id>[/<tab>]` (today), `/dashboard/connectors/<id>[/<tab>]` (before the 2025
rename) and `/dashboard/connectors/<service>/<schema>[/<tab>]` (older still: by service and name). A
destination's page is `/dashboard/destinations/<group id>[/…]`. Query strings (`?groupId=…&service=…`) and
fragments say nothing the path does not. Anything else on fivetran.com (docs, the account pages) is no link
to a pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bot.fivetran.models import Connection, Group
from bot.keys import remote_id
from bot.services.pipelines.snapshot import AccountSnapshot

# The tabs of a connection's page; a second path segment that is one of them follows an id, any other
# second segment is the connection's name after its service (the oldest form).
TABS = frozenset(
    {"status", "setup", "schema", "logs", "usage", "settings", "transformations", "details", "overview"}
)
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class ConnectionLink:
    id: str


@dataclass(frozen=True)
class NamedConnectionLink:
    service: str
    name: str


@dataclass(frozen=True)
class DestinationLink:
    group_id: str


DashboardLink = ConnectionLink | NamedConnectionLink | DestinationLink


def _is_fivetran(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "fivetran.com" or host.endswith(".fivetran.com")


def parse_dashboard_url(url: str) -> DashboardLink | None:
    """The pipeline or destination a dashboard URL shows; None for any other URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not _is_fivetran(parts.hostname or ""):
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if len(segments) < 3 or segments[0] != "dashboard" or not all(_ID.match(s) for s in segments[1:3]):
        return None
    kind, first, rest = segments[1], segments[2], segments[3:]
    if kind == "destinations":
        return DestinationLink(first)
    if kind == "connections" or (kind == "connectors" and (not rest or rest[0] in TABS)):
        return ConnectionLink(first)
    if kind == "connectors" and _ID.match(rest[0]):
        return NamedConnectionLink(first, rest[0])
    return None


def find_link(snapshot: AccountSnapshot, link: DashboardLink) -> Connection | Group | None:
    """What the link shows in `snapshot`, by Fivetran's own id (the URL carries no source); None when no
    source has it. A name given by service and schema must name one connection to count."""
    if isinstance(link, DestinationLink):
        return next((g for key, g in snapshot.groups.items() if remote_id(key) == link.group_id), None)
    if isinstance(link, ConnectionLink):
        return next((c for key, c in snapshot.connections.items() if remote_id(key) == link.id), None)
    named = [
        c
        for c in snapshot.connections.values()
        if c.service.lower() == link.service.lower() and c.name.lower() == link.name.lower()
    ]
    return named[0] if len(named) == 1 else None
