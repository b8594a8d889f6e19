"""An HVR channel in full (`show`) and its tables (`tables`): the same health words and emoji as a
connector's, the source's name in front, the buttons a channel has.

Everything from the hub is escaped: a job's last error is the hub's text, and may hold `<`, `&` or a
`<!channel>`. A channel's tables have no schema in the hub's definition; their buttons carry the channel's
name where a connector's carry the schema, which `resync` ignores for a channel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from bot.blocks import ids
from bot.blocks.health import EMOJI, HUB_STEP, LABEL, badge
from bot.blocks.kit import Block, actions, button, confirm, context, fallback, fields, header, section
from bot.blocks.message import Message
from bot.blocks.text import ago, clip, count, duration, esc
from bot.fivetran.models import Connection
from bot.hvr.models import ChannelTable, Event
from bot.services.pipelines.health import Health
from bot.services.pipelines.hub_views import ChannelView, JobView, LocationView

NAME_MAX = 150
NAME_IN_DIALOG = 80
ERROR_MAX = 500
JOBS_SHOWN = 12
TABLES_PAGE = 20
EVENT_MAX = 120
DESCRIPTION_MAX = 300

_STATE_MARK = {"RUNNING": "✓", "SUSPEND": "⏸", "SUSPENDED": "⏸", "DONE": "✓"}


def _name(view: ChannelView) -> str:
    """`east:orders`: the source's name in front, as a person types it."""
    return f"{view.source}:{view.channel.name}"


def hub_next_step(view: ChannelView, health: Health) -> str:
    """What to do about this channel, in the hub's terms (escaped); a delay names the SLA it is over."""
    if health is Health.FAILING:
        return "Fix the job's error below, then Sync: it starts the jobs again, retrying the failed one"
    if health is Health.DELAYED and view.sla_seconds is not None:
        return f"Its latency is over its SLA of {duration(view.sla_seconds)}: check the integrate job and the target"
    return HUB_STEP[health]


def _location_line(loc: LocationView) -> str:
    role = f" ({loc.role})" if loc.role else ""
    kind = f" · {clip(loc.loc_class, 40)}" if loc.loc_class else ""
    remote = f" · via `{clip(loc.remote, 100)}`" if loc.remote else ""
    return f"• *{clip(loc.name, NAME_MAX)}*{role}{kind}{remote}"


def _job_line(job: JobView) -> str:
    mark = "✗" if job.failing else _STATE_MARK.get(job.state.upper(), "•")
    retries = f" · {count(job.retries, 'retry', 'retries')}" if job.retries else ""
    latency = f" · latency {duration(job.latency_seconds)}" if job.latency_seconds is not None else ""
    line = f"{mark} `{clip(job.name, 120)}` {clip(job.state, 20)}{retries}{latency}"
    if job.failing:
        error = " ".join((job.last_error or "").split())
        line += f"\n      ↳ {clip(error, ERROR_MAX)}" if error else "\n      ↳ _its log holds no error line_"
    return line


def _event_line(event: Event, now: datetime) -> str:
    started = event.start_tstamp or event.ev_id
    try:
        at = ago(datetime.fromisoformat(started), now)
    except ValueError:
        at = clip(started, 40)
    what = clip(event.description or event.type or "event", EVENT_MAX)
    return f"• {what}: {clip(event.state or 'unknown', 20)} · {at}"


def _buttons(connection: Connection, health: Health, name: str) -> list[Block]:
    cid = connection.id
    shown = clip(name, NAME_IN_DIALOG)
    if connection.paused:
        pause = button("Resume", ids.aid(ids.RESUME), cid)
    else:
        ask = (
            confirm(
                "Pause channel?",
                f"The jobs of *{shown}* are suspended until someone resumes it.",
                yes="Pause",
            )
            if health.pause_needs_confirm
            else None
        )
        pause = button("Pause", ids.aid(ids.PAUSE), cid, ask=ask)
    return actions(
        [
            button("Sync", ids.aid(ids.SYNC), cid, style="primary"),
            pause,
            button("Run tests", ids.aid(ids.TEST), cid),
            button("Tables", ids.aid(ids.TABLES), ids.pack(c=cid, s=None, p=1)),
            button(
                "Re-sync",
                ids.aid(ids.RESYNC),
                cid,
                style="danger",
                ask=confirm(
                    "Refresh every table?",
                    f"A refresh of *{shown}* reads every table again from the source location. It can "
                    "take hours on big tables.",
                    yes="Refresh everything",
                    danger=True,
                ),
            ),
        ]
    )


def render_channel_show(
    view: ChannelView, health: Health, *, now: datetime, notice: str | None = None
) -> Message:
    """`health` is the row's, as every other view shows it (`health_of` of the snapshot)."""
    name = _name(view)
    channel = view.channel
    blocks: list[Block] = []
    if notice:
        blocks.append(section(esc(notice)))
    blocks.append(header(name))
    sla = view.sla_seconds
    blocks.append(
        fields(
            [
                "*Service*\nHVR 6 channel",
                f"*Hub*\n{clip(f'{view.source}:{view.hub}', 200)}",
                f"*Health*\n{badge(health)}",
                f"*Latency SLA*\n{duration(sla) if sla is not None else 'none'}",
                f"*Tables*\n{len(channel.tables):,}",
                f"*Jobs*\n{len(view.jobs):,}",
            ]
        )
    )
    if channel.description:
        blocks.append(context(clip(channel.description, DESCRIPTION_MAX)))
    blocks.append(section(f"{EMOJI[health]} *Next step:* {hub_next_step(view, health)}"))
    locations = [_location_line(loc) for loc in view.locations]
    blocks.append(
        section("*Locations*\n" + ("\n".join(locations) if locations else "none in its location groups"))
    )
    jobs = [_job_line(job) for job in view.jobs[:JOBS_SHOWN]]
    hidden = len(view.jobs) - JOBS_SHOWN
    if hidden > 0:
        jobs.append(f"_and {hidden} more in the hub_")
    blocks.append(section("*Jobs*\n" + ("\n".join(jobs) if jobs else "none: the channel is not activated")))
    if view.events:
        blocks.append(section("*Recent events*\n" + "\n".join(_event_line(e, now) for e in view.events)))
    blocks += _buttons(view.row, health, name)
    blocks.append(context(f"`{clip(view.row.id, 100)}` · read from the hub just now"))
    failing = next((j for j in view.jobs if j.failing), None)
    reason = (
        f" ({clip(failing.name, 100)}: {clip(failing.last_error, 200)})"
        if failing and failing.last_error
        else ""
    )
    text = f"{esc(name)}: {LABEL[health]}{reason}"
    return Message(text=fallback(f"{esc(notice)}\n{text}" if notice else text), blocks=blocks)


def _table_blocks(cid: str, channel: str, table: ChannelTable, index: int) -> list[Block]:
    base = (
        f" · base name `{clip(table.base_name, 100)}`"
        if table.base_name and table.base_name != table.name
        else ""
    )
    group = f" · group {clip(table.table_group, 60)}" if table.table_group else ""
    shown = clip(table.name, NAME_IN_DIALOG)
    ask = confirm(
        "Refresh table?",
        f"The hub reads all rows of *{shown}* again from the source location. It can take a while.",
        yes="Refresh table",
        danger=True,
    )
    value = ids.pack(c=cid, s=channel, t=table.name)
    return [
        section(f"*{clip(table.name, NAME_MAX)}*{base}{group}"),
        *actions([button("Re-sync table", ids.aid(ids.RESYNC_TABLE, index), value, ask=ask)]),
    ]


def render_channel_tables(
    connection: Connection, source: str, tables: Sequence[ChannelTable], *, page: int = 1
) -> Message:
    """A channel's tables from the hub's definition, paged, each with its per-table refresh."""
    channel = connection.name
    name = f"{source}:{channel}"
    if not tables:
        text = f"No tables in *{clip(name, NAME_MAX)}*: its definition in the hub lists none."
        return Message(text=fallback(text), blocks=[section(text)])
    pages = math.ceil(len(tables) / TABLES_PAGE)
    page = min(max(page, 1), pages)
    summary = f"{count(len(tables), 'table')} in *{clip(name, NAME_MAX)}*, as the hub's definition lists them"
    blocks: list[Block] = [header(f"Tables of {name}"), section(summary)]
    start = (page - 1) * TABLES_PAGE
    for index, table in enumerate(tables[start : start + TABLES_PAGE]):
        blocks += _table_blocks(connection.id, channel, table, index)
    cid = connection.id
    blocks += actions(
        [
            button("◀ Prev", ids.aid(ids.TABLES, "prev"), ids.pack(c=cid, s=None, p=page - 1))
            if page > 1
            else None,
            button("Next ▶", ids.aid(ids.TABLES, "next"), ids.pack(c=cid, s=None, p=page + 1))
            if page < pages
            else None,
        ]
    )
    blocks.append(
        context(
            f"Page {page} of {pages} · enabling tables, schemas and columns are set in the hub's UI, not here"
        )
    )
    return Message(text=fallback(summary), blocks=blocks)
