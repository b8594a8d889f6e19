"""A table's columns: `/hvr columns <connector> <schema>.<table>` lists them, and its buttons enable,
disable, hash and unhash one (operators; the buttons ask first where a change hides data or exposes it).

A change is a change like any other: authorised, refused the second time within the dedupe window,
audited before and after, told to the channel; the list it was pressed in is then shown as it is now.
"""

from __future__ import annotations

import logging

from bot.blocks import ids
from bot.blocks.columns import render_columns
from bot.blocks.prompts import render_error
from bot.fivetran.errors import FivetranError
from bot.slack.flow import Flow
from bot.slack.turn import Turn

log = logging.getLogger(__name__)

# Which change each button stands for: the action names of access.REQUIRED and of the audit.
BUTTONS = {
    ids.ENABLE_COLUMN: "enable_column",
    ids.DISABLE_COLUMN: "disable_column",
    ids.HASH_COLUMN: "hash_column",
    ids.UNHASH_COLUMN: "unhash_column",
}


class Columns(Flow):
    async def columns(
        self, turn: Turn, query: str, schema: str, table: str, page: int = 1, *, replace: bool = False
    ) -> None:
        await self.authorize(turn, "columns")
        resolved = await self.connector(turn, query)
        if resolved is None:
            return
        connection = resolved[1]
        found = await self.deps.actions.get_columns(connection.id, schema, table)
        await turn.out.reply(render_columns(connection, schema, table, found, page=page), replace=replace)

    async def set_column(
        self, turn: Turn, action: str, query: str, schema: str, table: str, column: str
    ) -> None:
        """One of BUTTONS' changes, from its button (whose own dialog asked to confirm where it must)."""
        if not (query and schema and table and column):
            await turn.out.reply(
                render_error("That button is missing its column; open `/hvr columns` again.")
            )
            return
        name = f"{schema}.{table}.{column}"
        resolved = await self.prepare(
            turn,
            query,
            action,
            parameters={"column": name},
            once=lambda c: (f"{action}:{c.id}:{name}", f"`{action}` of {name}"),
        )
        if resolved is None:
            return
        connection = resolved[1]
        result = await self.change(
            turn,
            action,
            [connection.id],
            {"column": name},
            lambda: self.deps.actions.set_column(action, connection.id, schema, table, column),
        )
        await self.announce(turn, result, connection.name)
        if not result.ok:
            return
        try:  # the list the button was in, as it is now (the column changed; others may have too)
            found = await self.deps.actions.get_columns(connection.id, schema, table)
        except FivetranError:
            log.warning("could not show the columns of %s again after a change", connection.id, exc_info=True)
            return
        await turn.out.reply(render_columns(connection, schema, table, found), replace=True)
