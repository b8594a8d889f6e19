"""Channel subscriptions: `digest add|list|remove|now` and `watch`, `watch list`, `unwatch`.

`create_digest` and `create_watch` are the one way a subscription is made, typed or from a form.
"""

from __future__ import annotations

from bot.blocks.alerts import render_unwatched, render_watch_added, render_watch_list
from bot.blocks.digest import render_digest_added, render_digest_list, render_digest_removed
from bot.blocks.incidents import snooze_lines
from bot.blocks.message import Message
from bot.blocks.prompts import render_error
from bot.commands.digest_commands import DigestAdd, DigestCommand, DigestList, DigestNow, DigestRemove
from bot.commands.watch_commands import Unwatch, WatchAdd, WatchCommand, WatchList
from bot.fivetran.errors import FivetranError
from bot.services.digests.service import DigestError
from bot.slack.flow import Flow
from bot.slack.turn import Turn


class Subscriptions(Flow):
    async def create_digest(self, turn: Turn, cmd: DigestAdd) -> Message:
        """The digest made, as the channel is told of it; raises `Refused` or `DigestError`."""
        await self.authorize(turn, "digest_add", [], {"schedule": cmd.schedule.text})
        added = await self.deps.digests.add(turn.actor.channel_id, turn.actor.user_id, cmd)
        return render_digest_added(added.subscription, added.next_fires, now=self.deps.now())

    async def create_watch(self, turn: Turn, cmd: WatchAdd) -> Message:
        """The watch made (or the same one already there); raises `Refused`."""
        await self.authorize(turn, "watch_add")
        channel, user = turn.actor.channel_id, turn.actor.user_id
        return render_watch_added(await self.deps.alerts.add_watch(channel, user, cmd))

    async def digest(self, turn: Turn, cmd: DigestCommand) -> None:
        service = self.deps.digests
        channel = turn.actor.channel_id
        if isinstance(cmd, DigestList):
            await self.authorize(turn, "digest_list")
            await turn.out.reply(render_digest_list(await service.list(channel), now=self.deps.now()))
        elif isinstance(cmd, DigestNow):
            await self.authorize(turn, "digest_now")
            await turn.out.reply(await service.preview(channel, cmd.selector), in_channel=True)
        elif isinstance(cmd, DigestAdd):
            try:
                message = await self.create_digest(turn, cmd)
            except DigestError as error:
                await turn.out.reply(render_error(str(error)))
                return
            await turn.out.reply(message, in_channel=True)
        elif isinstance(cmd, DigestRemove):
            await self.authorize(turn, "digest_remove", [], {"id": cmd.id})
            removed = await service.remove(cmd.id, channel)
            await turn.out.reply(render_digest_removed(cmd.id, removed=removed), in_channel=removed)

    async def watch(self, turn: Turn, cmd: WatchCommand) -> None:
        service = self.deps.alerts
        channel = turn.actor.channel_id
        if isinstance(cmd, WatchAdd):
            await turn.out.reply(await self.create_watch(turn, cmd), in_channel=True)
        elif isinstance(cmd, WatchList):
            await self.authorize(turn, "watch_list")
            snoozes = await service.incidents.snoozes_in(channel)
            names = await self._names([s.connection_id for s in snoozes])
            await turn.out.reply(
                render_watch_list(await service.list_watches(channel), snooze_lines(snoozes, names))
            )
        elif isinstance(cmd, Unwatch):
            await self.authorize(turn, "watch_remove")
            found = await service.remove_watch(cmd.id, channel)
            await turn.out.reply(render_unwatched(cmd.id, found=found), in_channel=found)

    async def _names(self, keys: list[str]) -> dict[str, str]:
        """Names of the snoozed pipelines, best effort: a snooze still shows by its key without Fivetran."""
        if not keys:
            return {}
        try:
            snapshot = await self.deps.cache.get()
        except FivetranError:
            return {}
        return {k: snapshot.connections[k].name for k in keys if k in snapshot.connections}
