"""A connector's schema config: schemas with their enabled tables, and one schema's tables, paged.

Tables whose `enabled` Fivetran won't let anyone change show why instead of a toggle: a button that can
only be refused is worse than none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from bot.blocks import ids
from bot.blocks.kit import MAX_BLOCKS, Block, actions, button, confirm, context, fallback, header, section
from bot.blocks.message import Message
from bot.blocks.text import clip, count
from bot.fivetran.models import Connection, EnabledPatchSettings, SchemaSettings, TableConfig

# header, summary, paging, context around the schema rows
MAX_SCHEMA_ROWS = MAX_BLOCKS - 4
# each table takes a section and an actions block; leave room for header, summary, paging and context
MAX_TABLE_ROWS = (MAX_BLOCKS - 4) // 2
NAME_MAX = 200
NAME_IN_DIALOG = 80

REASONS = {
    "SYSTEM_TABLE": "system table: Fivetran manages it",
    "DELETED": "deleted in the source",
}


def _enabled_count(tables: dict[str, TableConfig]) -> int:
    return sum(1 for t in tables.values() if t.enabled)


def patch_refusal(patch: EnabledPatchSettings, reasons: Mapping[str, str] = REASONS) -> str | None:
    """Why Fivetran won't let a table or column be switched on or off (escaped), or None when it will."""
    if patch.allowed:
        return None
    known = reasons.get(patch.reason_code or "")
    if known:
        return known
    return clip(patch.reason, 300) if patch.reason else "Fivetran does not allow changing it"


def render_schemas(connection: Connection, settings: SchemaSettings) -> Message:
    cid = connection.id
    name = clip(connection.name, NAME_MAX)
    schemas = list(settings.schemas.items())
    total = sum(len(s.tables) for _, s in schemas)
    enabled = sum(_enabled_count(s.tables) for _, s in schemas)
    summary = f"*{name}*: {count(len(schemas), 'schema')} · {enabled:,} of {count(total, 'table')} enabled"
    blocks: list[Block] = [header(f"Schemas of {connection.name}"), section(summary)]
    shown = schemas[:MAX_SCHEMA_ROWS]
    for i, (schema_name, schema) in enumerate(shown):
        mark = "✓" if schema.enabled else "✗ disabled"
        tally = f"{_enabled_count(schema.tables):,} of {count(len(schema.tables), 'table')} enabled"
        text = f"{mark} *{clip(schema_name, NAME_MAX)}* · {tally}"
        tables = button("Tables", ids.aid(ids.TABLES, i), ids.pack(c=cid, s=schema_name, p=1))
        blocks.append(section(text, accessory=tables))
    blocks += actions([button("Reload schema config", ids.aid(ids.RELOAD_SCHEMAS), cid)])
    hidden = len(schemas) - len(shown)
    tail = (
        f"and {hidden:,} more {'schema' if hidden == 1 else 'schemas'}: `/hvr tables {clip(cid, 100)} &lt;schema&gt;` · "
        if hidden > 0
        else ""
    )
    blocks.append(context(f"{tail}Reload when the source gained tables Fivetran doesn't show yet."))
    return Message(text=fallback(summary), blocks=blocks)


def _unknown_schema(connection: Connection, settings: SchemaSettings, schema: str) -> Message:
    known = list(settings.schemas)
    listed = ", ".join(f"`{clip(s, 100)}`" for s in known[:20])
    more = f" and {len(known) - 20:,} more" if len(known) > 20 else ""
    name = clip(connection.name, NAME_MAX)
    if known:
        text = f"*{name}* has no schema `{clip(schema, 200)}`. Its schemas: {listed}{more}."
    else:
        text = f"*{name}* has no schemas in its config yet. Reload the schema config to fetch them."
    return Message(text=fallback(text), blocks=[section(text)])


def _table_blocks(
    cid: str, schema: str, table: str, config: TableConfig, index: int, qualify: bool
) -> list[Block]:
    label = f"{schema}.{table}" if qualify else table
    shown = clip(label, NAME_MAX)
    mode = f" · {clip(config.sync_mode, 40)}" if config.sync_mode else ""
    state = "✓ enabled" if config.enabled else "✗ disabled"
    reason = patch_refusal(config.enabled_patch_settings)
    lock = f"\n_Can't be switched: {reason}_" if reason else ""
    blocks = [section(f"*{shown}* · {state}{mode}{lock}")]
    value = ids.pack(c=cid, s=schema, t=table)
    in_dialog = clip(label, NAME_IN_DIALOG)
    toggle = None
    if reason is None and config.enabled:
        ask = confirm("Disable table?", f"*{in_dialog}* will no longer sync.", yes="Disable")
        toggle = button("Disable", ids.aid(ids.DISABLE_TABLE, index), value, ask=ask)
    elif reason is None:
        toggle = button("Enable", ids.aid(ids.ENABLE_TABLE, index), value)
    resync_ask = confirm(
        "Re-sync table?",
        f"Fivetran re-reads all rows of *{in_dialog}* from the source. It can take a while and cost money.",
        yes="Re-sync table",
        danger=True,
    )
    resync = button("Re-sync table", ids.aid(ids.RESYNC_TABLE, index), value, ask=resync_ask)
    columns = None
    if config.supports_columns_config is not False:  # unknown counts as yes: Fivetran answers if not
        columns = button("Columns", ids.aid(ids.COLUMNS, index), ids.pack(c=cid, s=schema, t=table, p=1))
    return blocks + actions([toggle, resync, columns])


def render_tables(
    connection: Connection,
    settings: SchemaSettings,
    schema: str | None,
    *,
    page: int = 1,
    page_size: int = 20,
) -> Message:
    """Tables of one schema, or of every schema when `schema` is None, paged."""
    if schema is not None and schema not in settings.schemas:
        return _unknown_schema(connection, settings, schema)
    picked = [schema] if schema is not None else list(settings.schemas)
    rows = [(s, t, cfg) for s in picked for t, cfg in settings.schemas[s].tables.items()]
    cid = connection.id
    name = clip(connection.name, NAME_MAX)
    where = f"`{clip(schema, NAME_MAX)}` of *{name}*" if schema is not None else f"*{name}*"
    if not rows:
        text = f"No tables in {where}."
        return Message(text=fallback(text), blocks=[section(text)])
    size = max(1, min(page_size, MAX_TABLE_ROWS))
    pages = math.ceil(len(rows) / size)
    page = min(max(page, 1), pages)
    enabled = sum(1 for _, _, cfg in rows if cfg.enabled)
    summary = f"Tables in {where}: {enabled:,} of {len(rows):,} enabled"
    title = f"Tables of {connection.name}" + (f" · {schema}" if schema is not None else "")
    blocks: list[Block] = [header(title), section(summary)]
    start = (page - 1) * size
    for i, (s, t, cfg) in enumerate(rows[start : start + size]):
        blocks += _table_blocks(cid, s, t, cfg, i, qualify=schema is None)
    blocks += actions(
        [
            button("◀ Prev", ids.aid(ids.TABLES, "prev"), ids.pack(c=cid, s=schema, p=page - 1))
            if page > 1
            else None,
            button("Next ▶", ids.aid(ids.TABLES, "next"), ids.pack(c=cid, s=schema, p=page + 1))
            if page < pages
            else None,
        ]
    )
    blocks.append(context(f"Page {page} of {pages}"))
    return Message(text=fallback(summary), blocks=blocks)


def render_reloading(connection: Connection) -> Message:
    """A schema reload that outlasted the first few seconds: it goes on, and its result follows."""
    text = (
        f":hourglass_flowing_sand: Still reloading the schema config of *{clip(connection.name, NAME_MAX)}* "
        "from the source: a big schema can take minutes. I'll answer here when it ends."
    )
    return Message(text=fallback(text), blocks=[section(text)])


def render_reload_running(connection: Connection) -> Message:
    text = (
        f"The schema config of *{clip(connection.name, NAME_MAX)}* is being reloaded already; "
        "its result comes when it ends."
    )
    return Message(text=fallback(text), blocks=[section(text)])
