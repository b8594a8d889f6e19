"""The connector list: a page of rows, each with its health, last success, next step and a menu.

Whatever the number of connectors, a page stays under Slack's 50 blocks: rows are paged, and Prev/Next
buttons carry the filter so the next page shows the same selection.
"""

from __future__ import annotations

import math
from datetime import datetime

from bot.blocks import ids
from bot.blocks.groups import render_group, render_groups
from bot.blocks.health import counts_line
from bot.blocks.kit import MAX_BLOCKS, Block, actions, button, context, fallback, header, section
from bot.blocks.message import Message
from bot.blocks.rows import connector_row, selection_counts
from bot.blocks.show import render_show
from bot.blocks.sources import source_blocks, unreachable_lines
from bot.blocks.text import ago, clip
from bot.fivetran.models import Connection
from bot.services.pipelines.health import Health
from bot.services.pipelines.kinds import FIVETRAN_ONLY, SourceKinds
from bot.services.pipelines.selectors import Selector, unknown_groups, unknown_sources
from bot.services.pipelines.snapshot import AccountSnapshot

__all__ = ["connector_row", "render_group", "render_groups", "render_list", "render_show", "selection_counts"]

# Blocks around the rows: header, counts, per-source totals, unreachable sources, paging, context line.
_FRAME = 6
MAX_ROWS = MAX_BLOCKS - _FRAME


def _nothing_yet(configured: SourceKinds) -> str:
    """An empty bot's answer, saying where a pipeline is made: in Fivetran, or in a hub (a channel)."""
    if not configured.hubs:
        return "The account has no connectors yet. Add one in Fivetran, then try `/hvr list` again."
    where = "Fivetran or the hub" if configured.accounts else configured.speakers
    return f"There are no connectors yet. Add one in {where}, then try `/hvr list` again."


def _empty(snapshot: AccountSnapshot, selector: Selector, configured: SourceKinds) -> Message:
    unreachable = unreachable_lines(snapshot)
    if selector.is_empty:
        text = _nothing_yet(configured)
        if unreachable:
            text = "\n".join(unreachable)
        return Message(text=fallback(text), blocks=[section(text)])
    what = clip(selector.describe(), 500)
    lines = [f"No connectors match {what}."]
    missing = unknown_groups(snapshot, selector)
    if missing:
        names = ", ".join(f"`{clip(g, 100)}`" for g in missing[:5])
        lines.append(f"There is no group {names}: `/hvr groups` lists them.")
    strangers = unknown_sources(snapshot, selector)
    if strangers:
        names = ", ".join(f"`{clip(s, 100)}`" for s in strangers[:5])
        known = ", ".join(f"`{clip(s, 100)}`" for s in snapshot.sources)
        lines.append(f"There is no source {names}; the sources are {known}.")
    lines += unreachable
    lines.append("`/hvr list` shows every connector.")
    text = "\n".join(lines)
    return Message(text=fallback(text), blocks=[section(text)])


def render_list(
    snapshot: AccountSnapshot,
    selected: list[Connection],
    selector: Selector,
    *,
    page: int,
    now: datetime,
    page_size: int = 15,
    counts: dict[Health, int] | None = None,
    by_source: dict[str, dict[Health, int]] | None = None,
    configured: SourceKinds = FIVETRAN_ONLY,
) -> Message:
    """`counts`: how many of `selected` are in each health, when the caller has them (`counts_of`), and
    `by_source` the same for each source's share (`source_counts`); `configured`: the sources by kind, for
    the answer of a bot with nothing in them."""
    if not selected:
        return _empty(snapshot, selector, configured)
    size = max(1, min(page_size, MAX_ROWS))
    pages = math.ceil(len(selected) / size)
    page = min(max(page, 1), pages)
    shown = selected[(page - 1) * size : page * size]
    summary = counts_line(
        counts if counts is not None else selection_counts(snapshot, selected), len(selected)
    )
    title = "Connectors" if selector.is_empty else f"Connectors · {selector.describe()}"
    blocks: list[Block] = [
        header(title),
        section(f"*{summary}*"),
        *source_blocks(snapshot, selected, selector.sources, by_source),
    ]
    blocks += [connector_row(snapshot, c, i, now=now) for i, c in enumerate(shown)]
    query = selector.as_text()
    blocks += actions(
        [
            button("◀ Prev", ids.aid(ids.LIST_PAGE, "prev"), ids.pack(q=query, p=page - 1))
            if page > 1
            else None,
            button("Next ▶", ids.aid(ids.LIST_PAGE, "next"), ids.pack(q=query, p=page + 1))
            if page < pages
            else None,
        ]
    )
    blocks.append(context(f"Page {page} of {pages} · as of {ago(snapshot.fetched_at, now)}"))
    return Message(text=fallback(summary), blocks=blocks)
