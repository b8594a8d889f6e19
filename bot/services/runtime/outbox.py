"""The services' poster when what they post must survive a Slack outage: it writes to the outbox.

`OutboxPoster` is a `ChannelPoster`: `post` answers at once with a `MessageRef` whose ts is the row's
placeholder (`outbox:<id>`), which a later `update` or thread reply may name before Slack has the real
ts; the deliverer resolves it. Called inside `Database.unit()`, the row commits with the change that owed
it (the alert's claim, the fire's claim); outside, in a transaction of its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from bot.blocks.message import Message
from bot.services.runtime.posting import Located, MessageRef
from bot.storage.outbox import OutboxRepo, placeholder, placeholder_id

# `Database.unit`: one transaction for the state change and the outbox row it owes.
Unit = Callable[[], AbstractAsyncContextManager[None]]


def no_unit() -> AbstractAsyncContextManager[None]:
    """For a service used without a database (tests with a fake poster): each write on its own."""
    return contextlib.nullcontext()


# Origins whose posters never keep the `MessageRef` a post answers (a digest is posted and forgotten):
# delivering their rows has no placeholder to replace in the tables that store message ts values.
PLACEHOLDER_NOT_KEPT = frozenset({"digest"})


def _nothing() -> None:
    pass


class OutboxPoster:
    def __init__(self, repo: OutboxRepo, *, origin: str = "message", wake: Callable[[], None] = _nothing):
        self.repo = repo
        self.origin = origin
        self._wake = wake

    def for_origin(self, origin: str) -> OutboxPoster:
        """The same outbox, its rows labelled `origin` (alert, digest, bulk, follow) in logs and metrics."""
        return OutboxPoster(self.repo, origin=origin, wake=self._wake)

    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> MessageRef:
        row_id = await self.repo.enqueue(
            channel=channel,
            action="reply" if thread_ts else "post",
            origin=self.origin,
            text=message.text,
            blocks=message.blocks,
            after_id=placeholder_id(thread_ts),
            target_ts=None if placeholder_id(thread_ts) is not None else thread_ts,
            broadcast=broadcast,
        )
        self._wake()
        return MessageRef(channel, placeholder(row_id))

    async def post_many(self, posts: Sequence[tuple[str, Message]]) -> None:
        """Several channel posts whose refs nobody keeps (a fire's digests), as one write, in order."""
        await self.repo.enqueue_posts([(c, m.text, m.blocks) for c, m in posts], origin=self.origin)
        if posts:
            self._wake()

    async def update(self, channel: str, ts: str, message: Message) -> None:
        after = placeholder_id(ts)
        await self.repo.enqueue(
            channel=channel,
            action="update",
            origin=self.origin,
            text=message.text,
            blocks=message.blocks,
            after_id=after,
            target_ts=None if after is not None else ts,
        )
        self._wake()

    async def locate(self, ts: str) -> Located:
        """What became of the message `ts` names (a placeholder is replaced by Slack's ts on delivery, but
        a caller may hold the placeholder still)."""
        row_id = placeholder_id(ts)
        if row_id is None:
            return Located(ts, sent=True)
        row = await self.repo.get(row_id)
        if row is None:
            return Located(None, sent=False)  # delivered long ago and purged: nothing known to edit
        if row.done_at is None:
            return Located(ts, sent=False)
        return Located(row.ts, sent=row.ts is not None)
