"""A terminal conversation with the real bot.

Lines become the signed requests Slack would send, posted to the same web app `serve` runs; whatever the
bot posts arrives at the Slack double and is printed. So what works here works in Slack.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.types import ASGIApp

from bot.shell.render import BlockPrinter, Control
from bot.slack.router import Router
from bot.slack_double import Deleted, Event, Posted, SlackDouble, Updated, ViewOpened, ViewPublished
from bot.slack_double.inbound import InboundFactory
from bot.slack_double.store import Message

Write = Callable[[str], None]
Ask = Callable[[str], Awaitable[bool]]


@dataclass
class Shown:
    """The most recent message that had something to click."""

    message: Message
    controls: list[Control] = field(default_factory=list)


class ShellSession:
    def __init__(
        self,
        *,
        double: SlackDouble,
        web: ASGIApp,
        signing_secret: str,
        router: Router,
        user: str,
        channel: str,
        write: Write,
        colour: bool,
    ) -> None:
        self.double = double
        self.router = router
        self.user = user
        self.channel = channel
        self._write = write
        self._printer = BlockPrinter(colour=colour, names=double.user_name)
        self._inbound = InboundFactory(signing_secret)
        self._http = httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://hvr-bot")
        self.last: Shown | None = None
        self._unsubscribe = double.subscribe(self._on_event)

    async def aclose(self) -> None:
        self._unsubscribe()
        await self._http.aclose()

    # --- what the bot says -----------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Posted | Updated):
            self._show(event.message, updated=isinstance(event, Updated))
        elif isinstance(event, Deleted):
            self._write(f"── (a message was deleted) {'─' * 20}")
        elif isinstance(event, ViewPublished) and event.user == self.user:
            self._write("── (your Home tab was refreshed) " + "─" * 14)
        elif isinstance(event, ViewOpened) and event.view.user in (None, self.user):
            title = str((event.view.view.get("title") or {}).get("text", "a form"))
            self._write(f"── (a form opened in Slack: {title}; here, type the command with its arguments) ──")

    def _show(self, message: Message, *, updated: bool) -> None:
        if message.ephemeral and message.user not in (None, self.user):
            return  # someone else's private answer
        where = "only you" if message.ephemeral else f"#{message.channel}"
        title = f"── hvr-bot · {where}{' · updated' if updated else ''} "
        lines, controls = self._printer.render(message.blocks, message.text)
        self._write(title + "─" * max(4, 48 - len(title)))
        for line in lines:
            self._write(line)
        if controls:
            self.last = Shown(message, controls)

    # --- what the person does --------------------------------------------------------------------------

    async def command(self, text: str) -> None:
        response_url = self.double.new_response_url(channel=self.channel, user=self.user)
        request = self._inbound.slash_command(
            text=text,
            user=self.user,
            channel=self.channel,
            response_url=response_url,
            trigger_id=self.double.new_trigger_id(user=self.user),
        )
        answer = await self._http.post("/slack/events", content=request.body, headers=request.headers)
        await self._after(answer, response_url)

    async def click(self, number: int, ask: Ask) -> None:
        if self.last is None:
            self._write("Nothing to click yet: run a command first, e.g. /hvr list")
            return
        controls = self.last.controls
        match = next((c for c in controls if c.number == number), None)
        if match is None:
            self._write(f"There is no button {number}: the last message has buttons 1 to {len(controls)}.")
            return
        if match.confirm is not None and not await ask(_confirm_text(match.confirm)):
            self._write("Not confirmed; nothing was sent.")
            return
        message = self.last.message
        response_url = self.double.new_response_url(
            channel=message.channel, user=self.user, message_ts=message.ts
        )
        request = self._inbound.block_action(
            user=self.user,
            channel=message.channel,
            message_ts=message.ts,
            message={"ts": message.ts, "text": message.text, "blocks": message.blocks},
            action={**match.action, "block_id": match.action.get("block_id") or "b"},
            response_url=response_url,
            trigger_id=self.double.new_trigger_id(user=self.user),
            ephemeral=message.ephemeral,
        )
        answer = await self._http.post("/slack/events", content=request.body, headers=request.headers)
        await self._after(answer, response_url)

    async def _after(self, answer: httpx.Response, response_url: str) -> None:
        if answer.status_code != 200:
            self._write(f"(the bot answered HTTP {answer.status_code}: {answer.text[:200]})")
            return
        if answer.content:
            body: dict[str, Any] | str
            try:
                body = json.loads(answer.content)
            except ValueError:
                body = answer.text
            await self.double.deliver_ack(response_url, body)
        await self.settle()

    async def settle(self, limit: float = 120.0) -> None:
        """Wait until the bot has finished handling what was sent (followed syncs may go on)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        quiet = 0
        while loop.time() < deadline:
            await asyncio.sleep(0.01)
            quiet = quiet + 1 if self.router.inflight == 0 else 0
            if quiet >= 3:  # the listener may not have started in the very first tick after the ack
                return


def _confirm_text(confirm: dict[str, Any]) -> str:
    title = (confirm.get("title") or {}).get("text", "Are you sure?")
    text = (confirm.get("text") or {}).get("text", "")
    yes = (confirm.get("confirm") or {}).get("text", "Yes")
    return f"{title}: {text} [{yes}? y/N] "
