"""A schema reload: Fivetran reads the whole schema from the source again, which can take minutes.

It runs in the background like a followed sync, outside the command's patience (a reload cut off after
45 seconds would tell the person it failed while Fivetran carries on): the person hears that it is still
reloading after a few seconds, and the result when it ends, in place of that message.
"""

from __future__ import annotations

import asyncio
import logging

from bot.blocks.prompts import render_error
from bot.blocks.schemas import render_reload_running, render_reloading, render_schemas
from bot.fivetran.models import Connection
from bot.fivetran.patience import unbounded
from bot.services.pipelines.actions import ActionResult
from bot.slack.flow import Deps, Flow
from bot.slack.turn import Turn

log = logging.getLogger(__name__)

# How long the person waits for the result before hearing that it is still running.
NOTICE_AFTER_S = 3.0


class Reloads(Flow):
    def __init__(self, deps: Deps, *, notice_after_s: float = NOTICE_AFTER_S) -> None:
        super().__init__(deps)
        self._notice_after_s = notice_after_s
        self._running: dict[str, asyncio.Task[ActionResult]] = {}  # by connection, in this process

    async def reload(self, turn: Turn, query: str) -> None:
        resolved = await self.prepare(
            turn, query, "reload_schemas", once=lambda c: (f"reload:{c.id}", "A schema reload")
        )
        if resolved is None:
            return
        connection = resolved[1]
        if connection.id in self._running:
            await turn.out.reply(render_reload_running(connection))
            return
        task = self.deps.background.spawn(self._reload(turn, connection), name=f"reload:{connection.id}")
        self._running[connection.id] = task
        task.add_done_callback(lambda _: self._running.pop(connection.id, None))
        if await self._within(task):
            await self._tell(turn, connection, task.result())
            return
        await turn.out.reply(render_reloading(connection))
        self.deps.background.spawn(self._tell_later(turn, connection, task), name=f"reloaded:{connection.id}")

    async def _reload(self, turn: Turn, connection: Connection) -> ActionResult:
        with unbounded():  # the reload takes what it takes; its own timeout bounds it
            return await self.change(
                turn,
                "reload_schemas",
                [connection.id],
                {},
                lambda: self.deps.actions.reload_schemas(connection.id),
            )

    async def _within(self, task: asyncio.Task[ActionResult]) -> bool:
        """Whether the reload ended before the notice is due."""
        notice = asyncio.ensure_future(self.deps.sleep(self._notice_after_s))
        try:
            await asyncio.wait({task, notice}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            notice.cancel()
            await asyncio.gather(notice, return_exceptions=True)
        return task.done()

    async def _tell(self, turn: Turn, connection: Connection, result: ActionResult) -> None:
        if result.ok and result.schemas is not None:
            await turn.out.reply(render_schemas(connection, result.schemas), replace=True)
        await self.announce(turn, result, connection.name)

    async def _tell_later(self, turn: Turn, connection: Connection, task: asyncio.Task[ActionResult]) -> None:
        try:
            result = await task
        except Exception:
            # the command's error handler is gone by now: this is the one place that tells the person
            log.exception("reloading the schema config of %s failed [%s]", connection.id, turn.request_id)
            message = "Something went wrong on my side while reloading; nothing more was done."
            await turn.out.reply(render_error(message, reference=turn.request_id), replace=True)
            return
        await self._tell(turn, connection, result)
