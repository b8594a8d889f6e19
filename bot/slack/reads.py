"""The commands that only look: list, show, groups, group, schemas, tables, help."""

from __future__ import annotations

from bot.blocks.connectors import render_group, render_groups, render_list, render_show
from bot.blocks.hub import render_channel_show, render_channel_tables
from bot.blocks.prompts import render_error, render_help, render_usage_error
from bot.blocks.rows import health_of
from bot.blocks.schemas import render_schemas, render_tables
from bot.blocks.text import esc
from bot.commands.grammar import UsageError
from bot.keys import source_of
from bot.services.pipelines.hub_health import HVR_SERVICE
from bot.services.pipelines.resolve import resolve_group
from bot.services.pipelines.selectors import (
    SelectorError,
    counts_of,
    parse_selector_text,
    select,
    source_counts,
)
from bot.slack.flow import Flow
from bot.slack.turn import Turn


def channel_has_no_schemas(key: str, schema: str) -> str:
    return (
        f"An HVR channel's tables have no schema, so `{esc(schema)}` names nothing: "
        f"`/hvr tables {esc(key)}` lists them all."
    )


class Reads(Flow):
    async def help(self, turn: Turn, topic: str | None) -> None:
        await self.authorize(turn, "help")  # outside HVR_ALLOWED_CHANNELS the bot says only that
        await turn.out.reply(render_help(topic))

    async def list(self, turn: Turn, query: str, page: int, *, replace: bool = False) -> None:
        await self.authorize(turn, "list")
        try:
            selector = parse_selector_text(query)
        except SelectorError as error:
            await turn.out.reply(render_usage_error(UsageError(str(error), "list")))
            return
        snapshot = await self.deps.cache.get()
        selected = select(snapshot, selector)
        message = render_list(
            snapshot,
            selected,
            selector,
            page=page,
            now=self.deps.now(),
            counts=counts_of(snapshot, selector),
            by_source=source_counts(snapshot, selector),
            configured=self.deps.configured,
        )
        await turn.out.reply(message, replace=replace)

    async def show(self, turn: Turn, query: str) -> None:
        await self.authorize(turn, "show")
        resolved = await self.connector(turn, query)
        if resolved is None:
            return
        snapshot, connection = resolved
        if connection.service == HVR_SERVICE:
            # the channel's row comes with its view, from the same answers: no second read of it
            view = await self.deps.hubs.channel_view(connection.id)
            self.deps.cache.update(view.row)
            health = health_of(self.deps.cache.peek() or snapshot, view.row)
            await turn.out.reply(render_channel_show(view, health, now=self.deps.now()))
            return
        fresh = await self.deps.actions.refresh(connection.id) or connection
        snapshot = self.deps.cache.peek() or snapshot
        await turn.out.reply(render_show(snapshot, fresh, now=self.deps.now()))

    async def groups(self, turn: Turn) -> None:
        await self.authorize(turn, "groups")
        await turn.out.reply(render_groups(await self.deps.cache.get()))

    async def group(self, turn: Turn, query: str) -> None:
        await self.authorize(turn, "group")
        snapshot = await self.deps.cache.get()
        found = resolve_group(snapshot, query)
        if len(found) == 1:
            await turn.out.reply(render_group(snapshot, found[0], now=self.deps.now()))
            return
        if found:
            where = ", ".join(f"`{snapshot.group_label(g)}`" for g in found[:10])
            await turn.out.reply(render_error(f"`{query}` is in several sources: {where}. Type one of them."))
            return
        names = ", ".join(sorted(snapshot.group_label(g) for g in snapshot.groups.values())[:20])
        await turn.out.reply(
            render_error(f"No group named `{query}`. Groups: {names}. `/hvr groups` lists them all.")
        )

    async def schemas(self, turn: Turn, query: str) -> None:
        await self.authorize(turn, "schemas")
        resolved = await self.connector(turn, query)
        if resolved is not None:
            settings = await self.deps.actions.get_schemas(resolved[1].id)
            await turn.out.reply(render_schemas(resolved[1], settings))

    async def tables(
        self, turn: Turn, query: str, schema: str | None, page: int, *, replace: bool = False
    ) -> None:
        await self.authorize(turn, "tables")
        resolved = await self.connector(turn, query)
        if resolved is None:
            return
        connection = resolved[1]
        if connection.service == HVR_SERVICE:
            # a channel's tables are its definition's: no schemas (those are refused in words by `schemas`)
            if schema is not None:
                await turn.out.reply(render_error(channel_has_no_schemas(connection.id, schema)))
                return
            tables = await self.deps.hubs.channel_tables(connection.id)
            message = render_channel_tables(connection, source_of(connection.id), tables, page=page)
            await turn.out.reply(message, replace=replace)
            return
        settings = await self.deps.actions.get_schemas(connection.id)
        await turn.out.reply(render_tables(connection, settings, schema, page=page), replace=replace)
