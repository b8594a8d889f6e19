"""Where a message goes when Slack will not take it where it was meant to go.

Slack fails in ordinary ways: a channel the bot was not invited to (or archived), a message deleted
meanwhile. Then the edit becomes a new post, and a post the bot cannot make becomes a private answer to
the person it is for, so news is not lost because it could not go to its first place. This is the one
place that decides so: `SlackPoster.show` (followed syncs, through `FallbackPoster`) and `SlackResponder`
(answers to commands and clicks) both come here.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.blocks.message import Message
from bot.services.runtime.posting import ChannelPoster, MessageRef, PostError, SlackUnavailable
from bot.slack.errors import GONE, NOT_HERE

log = logging.getLogger(__name__)


class PrivatePoster(ChannelPoster, Protocol):
    """A poster that can also answer one person privately: what the fallback is made of."""

    async def ephemeral(self, channel: str, user: str, message: Message) -> None: ...


async def post_or_none(poster: ChannelPoster, channel: str, message: Message) -> MessageRef | None:
    """The channel post, or None when Slack says the bot cannot post there; any other failure raises."""
    try:
        return await poster.post(channel, message)
    except PostError as error:
        if error.code not in NOT_HERE:
            raise
        log.info("cannot post in %s (%s); answering the person instead", channel, error.code)
        return None


async def tell(poster: PrivatePoster, channel: str, user: str, message: Message) -> None:
    """The last resort, a message only `user` sees; when even that fails, the log is all that is left."""
    try:
        await poster.ephemeral(channel, user, message)
    except (PostError, SlackUnavailable) as error:
        log.error("could not answer %s in %s: %s", user, channel, error.code)


async def show(
    poster: PrivatePoster, channel: str, user: str, message: Message, *, ref: MessageRef | None = None
) -> MessageRef | None:
    """Edit `ref`; when it is gone (or None), post in `channel`; when the bot cannot post there, tell
    `user` alone. Returns the channel message now showing it, None when only `user` was told. Other
    refusals raise `PostError`, and Slack being unavailable `SlackUnavailable`: trying elsewhere would
    not help, and the caller knows whether to try later."""
    if ref is not None:
        try:
            await poster.update(ref.channel, ref.ts, message)
            return ref
        except PostError as error:
            if error.code not in GONE:
                raise
            log.info(
                "message %s in %s is gone (%s); posting the update anew", ref.ts, ref.channel, error.code
            )
    posted = await post_or_none(poster, channel, message)
    if posted is None:
        await tell(poster, channel, user, message)
    return posted
