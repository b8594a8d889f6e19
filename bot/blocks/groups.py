"""Groups (destinations) with their connectors' health, and one group's connectors."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import ids
from bot.blocks.health import EMOJI, counts_line
from bot.blocks.kit import MAX_BLOCKS, Block, button, context, fallback, header, section
from bot.blocks.message import Message
from bot.blocks.rows import connector_row, health_of, selection_counts
from bot.blocks.sources import unreachable_blocks
from bot.blocks.text import ago, clip
from bot.fivetran.models import Connection, Group
from bot.keys import source_of
from bot.services.pipelines.health import Health
from bot.services.pipelines.snapshot import AccountSnapshot

# header, summary and a closing context line around the rows
MAX_GROUP_ROWS = MAX_BLOCKS - 3
GROUP_CONNECTORS_SHOWN = 20
GROUP_NAME_MAX = 200


def _members(snapshot: AccountSnapshot, group: Group) -> list[Connection]:
    found = [c for c in snapshot.connections.values() if c.group_id == group.id]
    found.sort(key=lambda c: (health_of(snapshot, c).rank, c.name.lower()))
    return found


def _worst(snapshot: AccountSnapshot, members: list[Connection]) -> Health:
    return min((health_of(snapshot, c) for c in members), key=lambda h: h.rank, default=Health.HEALTHY)


def group_selector(group: Group, snapshot: AccountSnapshot | None = None) -> str:
    """`group:<name>` as a person would type it, quoted when the name has spaces; after `source:<name>`
    when there are several sources (two of them may have a group of that name)."""
    name = group.name
    term = f'group:"{name}"' if any(ch.isspace() for ch in name) else f"group:{name}"
    return f"source:{source_of(group.id)} {term}" if snapshot is not None and snapshot.several else term


def render_groups(snapshot: AccountSnapshot) -> Message:
    if not snapshot.groups:
        text = "The account has no groups (destinations) yet."
        return Message(text=text, blocks=[section(text)])
    members = {g.id: _members(snapshot, g) for g in snapshot.groups.values()}
    ordered = sorted(
        snapshot.groups.values(),
        key=lambda g: (_worst(snapshot, members[g.id]).rank, snapshot.group_label(g).lower()),
    )
    summary = f"{len(ordered):,} group{'' if len(ordered) == 1 else 's'}"
    blocks: list[Block] = [
        header("Groups"),
        section(f"*{summary}*, problems first"),
        *unreachable_blocks(snapshot),
    ]
    shown = ordered[:MAX_GROUP_ROWS]
    for i, group in enumerate(shown):
        conns = members[group.id]
        counts = counts_line(selection_counts(snapshot, conns), len(conns))
        text = f"{EMOJI[_worst(snapshot, conns)]} *{clip(snapshot.group_label(group), GROUP_NAME_MAX)}*\n{counts}"
        blocks.append(section(text, accessory=button("Open", ids.aid(ids.GROUP, i), group.id)))
    hidden = len(ordered) - len(shown)
    if hidden > 0:
        blocks.append(
            context(
                f"and {hidden:,} more {'group' if hidden == 1 else 'groups'}: `/hvr group &lt;name&gt;` opens one"
            )
        )
    return Message(text=fallback(summary), blocks=blocks)


def render_group(snapshot: AccountSnapshot, group: Group, *, now: datetime) -> Message:
    conns = _members(snapshot, group)
    name = clip(snapshot.group_label(group), GROUP_NAME_MAX)
    counts = counts_line(selection_counts(snapshot, conns), len(conns))
    blocks: list[Block] = [header(f"Group {snapshot.group_label(group)}"), section(f"*{counts}*")]
    if not conns:
        blocks[-1] = section(f"*{name}* has no connectors.")
    shown = conns[:GROUP_CONNECTORS_SHOWN]
    blocks += [connector_row(snapshot, c, i, now=now) for i, c in enumerate(shown)]
    hidden = len(conns) - len(shown)
    more = (
        f"and {hidden:,} more: `/hvr list {clip(group_selector(group, snapshot), 300)}` · "
        if hidden > 0
        else ""
    )
    blocks.append(context(f"{more}`{clip(group.id, 100)}` · as of {ago(snapshot.fetched_at, now)}"))
    return Message(text=fallback(f"{name}: {counts}"), blocks=blocks)
