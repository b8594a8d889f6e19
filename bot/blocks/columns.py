"""One table's columns, as the source has them now: enabled, hashed, primary key, with the buttons that
change them (operators; disabling and hashing ask first).

A column Fivetran won't let anyone change shows why instead of buttons, as a locked table does.
"""

from __future__ import annotations

import math

from bot.blocks import ids
from bot.blocks.kit import (
    MAX_BLOCKS,
    Block,
    Element,
    actions,
    button,
    confirm,
    context,
    fallback,
    header,
    section,
)
from bot.blocks.message import Message
from bot.blocks.schemas import NAME_IN_DIALOG, NAME_MAX, patch_refusal
from bot.blocks.text import clip
from bot.fivetran.models import ColumnConfig, Connection, TableColumns

# each column takes a section and an actions block; leave room for header, summary, paging and context
MAX_COLUMN_ROWS = (MAX_BLOCKS - 4) // 2

REASONS = {
    "SYSTEM_COLUMN": "system column: Fivetran manages it",
    "DELETED": "deleted in the source",
}


def _buttons(name: str, column: ColumnConfig, value: str, index: int) -> list[Element | None]:
    shown = clip(name, NAME_IN_DIALOG)
    if column.enabled:
        ask = confirm("Disable column?", f"*{shown}* will no longer sync to the destination.", yes="Disable")
        toggle = button("Disable", ids.aid(ids.DISABLE_COLUMN, index), value, ask=ask)
    else:
        toggle = button("Enable", ids.aid(ids.ENABLE_COLUMN, index), value)
    hashing = None
    if column.enabled and not column.hashed:
        ask = confirm(
            "Hash column?",
            f"From the next sync, *{shown}* arrives hashed: joinable, but its values unreadable.",
            yes="Hash",
        )
        hashing = button("Hash", ids.aid(ids.HASH_COLUMN, index), value, ask=ask)
    elif column.enabled:
        ask = confirm(
            "Stop hashing column?",
            f"From the next sync, *{shown}* arrives as it is in the source, readable to everyone who can "
            "read the table.",
            yes="Stop hashing",
            danger=True,
        )
        hashing = button("Unhash", ids.aid(ids.UNHASH_COLUMN, index), value, ask=ask)
    return [toggle, hashing]


def _column_blocks(
    cid: str, schema: str, table: str, name: str, column: ColumnConfig, index: int
) -> list[Block]:
    marks = ["✓ enabled" if column.enabled else "✗ disabled"]
    if column.hashed:
        marks.append("hashed")
    if column.is_primary_key:
        marks.append("primary key")
    reason = patch_refusal(column.enabled_patch_settings, REASONS)
    lock = f"\n_Can't be changed: {reason}_" if reason else ""
    blocks = [section(f"*{clip(name, NAME_MAX)}* · {' · '.join(marks)}{lock}")]
    if reason is None:
        blocks += actions(_buttons(name, column, ids.pack(c=cid, s=schema, t=table, k=name), index))
    return blocks


def render_columns(
    connection: Connection,
    schema: str,
    table: str,
    columns: TableColumns,
    *,
    page: int = 1,
    page_size: int = 20,
) -> Message:
    cid = connection.id
    where = f"`{clip(f'{schema}.{table}', NAME_MAX)}` of *{clip(connection.name, NAME_MAX)}*"
    rows = list(columns.columns.items())
    if not rows:
        text = f"Fivetran found no columns in {where}."
        return Message(text=fallback(text), blocks=[section(text)])
    size = max(1, min(page_size, MAX_COLUMN_ROWS))
    pages = math.ceil(len(rows) / size)
    page = min(max(page, 1), pages)
    enabled = sum(1 for _, c in rows if c.enabled)
    hashed = sum(1 for _, c in rows if c.hashed)
    summary = f"Columns of {where}: {enabled:,} of {len(rows):,} enabled" + (
        f", {hashed:,} hashed" if hashed else ""
    )
    blocks: list[Block] = [header(f"Columns of {schema}.{table} · {connection.name}"), section(summary)]
    start = (page - 1) * size
    for i, (name, column) in enumerate(rows[start : start + size]):
        blocks += _column_blocks(cid, schema, table, name, column, i)
    blocks += actions(
        [
            button("◀ Prev", ids.aid(ids.COLUMNS, "prev"), ids.pack(c=cid, s=schema, t=table, p=page - 1))
            if page > 1
            else None,
            button("Next ▶", ids.aid(ids.COLUMNS, "next"), ids.pack(c=cid, s=schema, t=table, p=page + 1))
            if page < pages
            else None,
        ]
    )
    blocks.append(context(f"Page {page} of {pages} · as the source has them now"))
    return Message(text=fallback(summary), blocks=blocks)
