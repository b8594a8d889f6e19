"""One connector as a list row, shared by the connector list and the group view."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import ids
from bot.blocks.health import EMOJI, LABEL, channel_state, next_step
from bot.blocks.kit import Block, Element, overflow, section
from bot.blocks.text import ago, clip, cut
from bot.fivetran.models import Connection
from bot.services.pipelines.health import Health, classify
from bot.services.pipelines.hub_health import HVR_SERVICE
from bot.services.pipelines.snapshot import AccountSnapshot

NAME_MAX = 200
SERVICE_MAX = 60
GROUP_MAX = 100
NEXT_MAX = 300


def health_of(snapshot: AccountSnapshot, connection: Connection) -> Health:
    # a connection folded in after the snapshot may lack an entry; classify rather than fail
    return snapshot.health.get(connection.id) or classify(connection)


def selection_counts(snapshot: AccountSnapshot, selected: list[Connection]) -> dict[Health, int]:
    counts = {h: 0 for h in Health}
    health = snapshot.health
    for connection in selected:  # `health_of` inlined: this runs over every selected row of every list
        counts[health.get(connection.id) or classify(connection)] += 1
    return counts


def row_menu(connection: Connection, index: int) -> Element | None:
    pause = ("Resume", ids.RESUME) if connection.paused else ("Pause", ids.PAUSE)
    choices = [
        ("Show", ids.SHOW),
        ("Sync", ids.SYNC),
        pause,
        ("Run setup tests", ids.TEST),
        # a channel's tables come from the hub's definition; it has no schema settings
        ("Tables", ids.TABLES) if connection.service == HVR_SERVICE else ("Schemas", ids.SCHEMAS),
    ]
    return overflow(
        ids.aid(ids.ROW_MENU, index),
        [(label, ids.menu_value(base, connection.id)) for label, base in choices],
    )


def connector_row(snapshot: AccountSnapshot, connection: Connection, index: int, *, now: datetime) -> Block:
    """One connector as a section: `index` makes the menu's action_id unique within the message."""
    health = health_of(snapshot, connection)
    name = clip(connection.name, NAME_MAX)
    service = clip(connection.service, SERVICE_MAX)
    group = clip(snapshot.place(connection), GROUP_MAX)
    if connection.service == HVR_SERVICE:
        # a channel replicates continuously: no last sync to tell, and the next step is the hub's
        second = channel_state(health, NEXT_MAX)
    else:
        step = cut(next_step(connection, health, now=now), NEXT_MAX)
        second = f"{LABEL[health]} · last success {ago(connection.succeeded_at, now)} · {step}"
    text = f"{EMOJI[health]} *{name}* · {service} · {group}\n{second}"
    return section(text, accessory=row_menu(connection, index))
