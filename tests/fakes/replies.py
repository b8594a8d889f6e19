"""A Responder that keeps the text of every answer and cannot post a channel message."""

from __future__ import annotations

from bot.blocks.message import Message
from bot.services.runtime.posting import MessageRef


class Replies:
    def __init__(self) -> None:
        self.texts: list[str] = []

    async def reply(self, message: Message, *, replace: bool = False, in_channel: bool = False) -> None:
        self.texts.append(message.text)

    async def post(self, message: Message) -> MessageRef | None:
        self.texts.append(message.text)
        return None

    async def update(self, ref: MessageRef, message: Message) -> None:
        pass
