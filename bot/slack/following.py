"""A change whose end is followed: its status message is posted, then edited in place by the follow
keeper until it ends. Shared by a sync (of a Fivetran connection, or of a hub channel's jobs) and by a
hub's refresh and compare, which are followed by the event the hub posted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from bot.blocks.actions import render_followed
from bot.blocks.message import Message
from bot.fivetran.models import Connection
from bot.services.pipelines.actions import ActionResult
from bot.slack.flow import Flow
from bot.slack.turn import Turn
from bot.storage.follows import FollowedSync, FollowKind


class Following(Flow):
    async def post_and_follow(self, turn: Turn, record: FollowedSync, first: Message) -> None:
        """The first status message is owed to the channel with its ts on the follow's record, in one
        transaction (Slack down, or the process killed now, and the same message is still posted once and
        followed to its end); then it is followed in the background, editing that message."""
        record = await self.deps.follows.announce(record, first)

        async def tell_the_person(message: Message) -> None:
            # the channel refused the status message: the person hears through their command's answer
            await turn.out.reply(message, replace=True)

        await self.deps.follows.follow(record, fallback=tell_the_person)

    async def follow_event(
        self,
        turn: Turn,
        connection: Connection,
        kind: FollowKind,
        tables: Sequence[str] | None,
        action: str,
        parameters: Mapping[str, object],
        call: Callable[[], Awaitable[ActionResult]],
    ) -> ActionResult:
        """A hub's refresh or compare: on record before it is posted, then followed by its event."""
        follows = self.deps.follows
        record = await follows.begin(
            connection,
            channel_id=turn.actor.channel_id,
            user_id=turn.actor.user_id,
            force=False,
            baseline=None,
            kind=kind,
            tables=tables,
        )
        result = await self.change(turn, action, [connection.id], parameters, call)
        if not result.ok or not result.event_id:
            await follows.abandon(record, "not_started")
            await self.announce(turn, result, connection.name)
            return result
        record = await follows.posted(record, result.event_id)
        await self.post_and_follow(turn, record, render_followed(None, record))
        return result
