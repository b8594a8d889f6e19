"""A failure alert's Acknowledge and Snooze, and `/hvr unsnooze <connector>`: operator role, audited.

The answer to Acknowledge and Snooze is the alert itself, edited in place; only a press that did nothing
(the alert closed meanwhile, someone else took it first) is answered to the person.
"""

from __future__ import annotations

from bot.blocks.incidents import SNOOZES, render_not_an_open_alert, render_unsnoozed, split_snooze_value
from bot.blocks.prompts import render_error
from bot.commands.watch_commands import Unsnooze
from bot.services.pipelines.actions import ActionResult
from bot.slack.flow import Flow
from bot.slack.turn import Turn


class Incidents(Flow):
    async def acknowledge(self, turn: Turn, connection_id: str) -> None:
        await self.authorize(turn, "acknowledge", [connection_id])
        channel, user = turn.actor.channel_id, turn.actor.user_id
        service = self.deps.alerts.incidents

        async def take() -> ActionResult:
            taken = await service.acknowledge(channel, connection_id, user)
            if taken is None:
                return ActionResult(False, "acknowledge", connection_id, "No open alert to acknowledge.")
            return ActionResult(True, "acknowledge", connection_id, f"Acknowledged {taken.name}.")

        result = await self.change(turn, "acknowledge", [connection_id], {}, take)
        if not result.ok:
            await turn.out.reply(render_not_an_open_alert(connection_id))

    async def snooze(self, turn: Turn, value: str) -> None:
        choice, connection_id = split_snooze_value(value)
        if choice not in SNOOZES or not connection_id:
            await turn.out.reply(render_error("That snooze choice is from an older version of me."))
            return
        parameters = {"for": choice}
        await self.authorize(turn, "snooze", [connection_id], parameters)
        channel, user = turn.actor.channel_id, turn.actor.user_id
        service = self.deps.alerts.incidents

        async def quiet() -> ActionResult:
            snooze = await service.snooze(channel, connection_id, user, choice)
            ok = snooze is not None
            return ActionResult(ok, "snooze", connection_id, f"Snoozed {SNOOZES[choice][0]}." if ok else "")

        await self.change(turn, "snooze", [connection_id], parameters, quiet)

    async def unsnooze(self, turn: Turn, cmd: Unsnooze) -> None:
        resolved = await self.connector(turn, cmd.connector)
        if resolved is None:
            return
        connection = resolved[1]
        await self.authorize(turn, "unsnooze", [connection.id])
        channel, user = turn.actor.channel_id, turn.actor.user_id
        service = self.deps.alerts.incidents

        async def lift() -> ActionResult:
            ended = await service.unsnooze(channel, connection.id, user, connection.name)
            summary = "Unsnoozed." if ended is not None else "Not snoozed here."
            return ActionResult(ended is not None, "unsnooze", connection.id, summary)

        result = await self.change(turn, "unsnooze", [connection.id], {}, lift)
        await turn.out.reply(render_unsnoozed(connection.name, found=result.ok), in_channel=result.ok)
