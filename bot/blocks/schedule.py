"""A connector's schedule, and the Connect Card link that reconnects it: pure renderers."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import ids
from bot.blocks.kit import Block, actions, button, context, fallback, fields, section
from bot.blocks.message import Message
from bot.blocks.show import schedule_text
from bot.blocks.text import clip, daily_time, esc, moment, until
from bot.fivetran.models import Connection
from bot.services.pipelines.schedule import allowed_text


def render_schedule(connection: Connection, *, name: str, now: datetime) -> Message:
    """The four fields Fivetran keeps, and the commands that change them; the daily time in UTC as
    Fivetran keeps it, and on the reader's own clock beside it."""
    cid = connection.id
    at = connection.daily_sync_time
    daily = f"{esc(at)} UTC ({daily_time(at, now)} for you)" if at else "not set"
    frequency = connection.sync_frequency
    items = [
        f"*Schedule type*\n{esc(connection.schedule_type or 'not set')}",
        f"*Sync frequency*\n{f'{frequency} min' if frequency is not None else 'not set'}",
        f"*Daily sync time*\n{daily}",
        f"*Paused*\n{'yes' if connection.paused else 'no'}",
    ]
    how = (
        f"Change it with `/hvr schedule {clip(cid, 100)} every 6h`, `… daily 02:00 tz:Europe/Berlin`, "
        f"`… manual` or `… auto`. Fivetran syncs {allowed_text()}; a daily time is a whole UTC hour."
    )
    blocks: list[Block] = [
        section(f"*Schedule of {esc(name)}*: {schedule_text(connection, now)}"),
        fields(items),
        context(how),
        *actions([button("Show", ids.aid(ids.SHOW), cid)]),
    ]
    return Message(text=fallback(f"Schedule of {esc(name)}: {schedule_text(connection, now)}"), blocks=blocks)


def render_connect_card(name: str, uri: str, expires_at: datetime | None, *, now: datetime) -> Message:
    """For the presser only: the link carries a token that lets whoever holds it change the connection."""
    expiry = (
        f"It expires {moment(expires_at)} ({until(expires_at, now)})."
        if expires_at is not None
        else "It is short-lived: use it now."
    )
    text = (
        f":link: <{uri}|Reconnect {esc(name)}>: re-enter the credentials or finish the setup in Fivetran's "
        f"Connect Card. {expiry} Only you can see this link; don't share it."
    )
    return Message(text=fallback(text), blocks=[section(text)])
