"""`/hvr schedule` (show or change when a connector syncs) and Reconnect (a Connect Card link)."""

from __future__ import annotations

from urllib.parse import quote

from bot.blocks.message import Message
from bot.blocks.prompts import render_error
from bot.blocks.schedule import render_connect_card, render_schedule
from bot.services.pipelines.health import needs_reconnect
from bot.services.pipelines.schedule import ScheduleChange, ScheduleError, plan_schedule
from bot.slack.flow import Flow
from bot.slack.turn import Turn


def back_to_slack(channel_id: str) -> str:
    """Where the Connect Card sends the person when they are done: the channel they pressed it in."""
    return f"https://slack.com/app_redirect?channel={quote(channel_id, safe='')}"


class Schedules(Flow):
    async def show(self, turn: Turn, query: str) -> None:
        resolved = await self.connector(turn, query)
        if resolved is None:
            return
        snapshot, connection = resolved
        await self.authorize(turn, "show", [connection.id])
        fresh = await self.deps.actions.refresh(connection.id) or connection
        await turn.out.reply(render_schedule(fresh, name=snapshot.label(fresh), now=self.deps.now()))

    async def set(self, turn: Turn, query: str, change: ScheduleChange) -> None:
        parameters: dict[str, object] = {"schedule": change.as_text()}
        try:
            patch = plan_schedule(change, self.deps.now().date())
        except ScheduleError as error:
            await turn.out.reply(render_error(str(error)))
            return
        resolved = await self.prepare(
            turn,
            query,
            "schedule",
            parameters=parameters,
            once=lambda c: (f"schedule:{c.id}", f"That schedule change of {c.name}"),
        )
        if resolved is None:
            return
        connection = resolved[1]
        result = await self.change(
            turn,
            "schedule",
            [connection.id],
            {**parameters, **patch.fields},
            lambda: self.deps.actions.set_schedule(connection.id, patch),
        )
        await self.announce(turn, result, connection.name)

    async def reconnect(self, turn: Turn, query: str) -> None:
        """The link goes to the presser alone: it lets whoever holds it change the connection."""
        resolved = await self.prepare(
            turn,
            query,
            "reconnect",
            once=lambda c: (f"reconnect:{c.id}:{turn.actor.user_id}", "A Connect Card"),
        )
        if resolved is None:
            return
        snapshot, connection = resolved
        if not needs_reconnect(connection):
            await turn.out.reply(
                Message(
                    text=f"{connection.name} has no credentials or setup to fix; `/hvr show` says what it needs."
                )
            )
            return
        redirect = back_to_slack(turn.actor.channel_id)
        result = await self.change(
            turn,
            "reconnect",
            [connection.id],
            {},
            lambda: self.deps.actions.connect_card(connection.id, redirect),
        )
        card = result.connect_card
        if not result.ok or card is None or not card.uri:
            await self.announce(turn, result, connection.name)
            return
        message = render_connect_card(
            snapshot.label(connection), card.uri, card.expires_at, now=self.deps.now()
        )
        await turn.out.reply(message, in_channel=False)
