"""A change whose end is followed: its status message is posted, then edited in place by the follow
keeper until it ends. Shared by a sync (of a Fivetran connection, or of a hub channel's jobs) and by a
hub's refresh and compare, which are followed by the event the hub posted."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from bot.blocks.actions import render_followed
from bot.blocks.message import Message
from bot.fivetran.models import Connection
from bot.services.pipelines.actions import ActionResult
from bot.slack.flow import Flow
from bot.slack.turn import Turn
from bot.storage.follows import FollowedSync, FollowKind

log = logging.getLogger(__name__)


class Following(Flow):
    async def post_and_follow(self, turn: Turn, record: FollowedSync, first: Message) -> None:
        """Post the first status message, then follow in the background, editing that message."""
        try:
            ref = await turn.out.post(first)
        except Exception:
            # The change is running: whatever Slack said, the person must hear that, and it is still
            # followed, through the reply instead of a channel message.
            log.exception("could not post the status of %s [%s]", record.connection_id, turn.request_id)
            ref = None
        if ref is None:
            await turn.out.reply(first, in_channel=False)

        async def deliver(message: Message) -> None:
            if ref is not None:
                await turn.out.update(ref, message)
            else:
                await turn.out.reply(message, replace=True)

        await self.deps.follows.follow(
            record, message_ts=ref.ts if ref is not None else None, deliver=deliver
        )

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
