"""One request being handled: who asks, from where, how to answer, and its reference id."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.blocks.message import Message
from bot.services.governance.access import Actor
from bot.services.governance.audit import AuditContext
from bot.services.runtime.posting import MessageRef
from bot.storage.audit import AuditSource


class Responder(Protocol):
    async def reply(self, message: Message, *, replace: bool = False, in_channel: bool = False) -> None:
        """Answer the person through the request's response_url (ephemeral unless `in_channel`)."""

    async def post(self, message: Message) -> MessageRef | None:
        """A channel message the bot can update later; None when it cannot post there."""

    async def update(self, ref: MessageRef, message: Message) -> None: ...


class ModalOpener(Protocol):
    async def __call__(self, view: dict[str, Any]) -> bool:
        """Opens `view` as a modal for the person who asked (with the request's trigger_id); False
        when it could not be opened (the trigger expired, Slack refused it)."""


def reference_id() -> str:
    return uuid.uuid4().hex[:10]


@dataclass(frozen=True)
class Turn:
    actor: Actor
    out: Responder
    source: AuditSource
    request_id: str
    modal: ModalOpener | None = None  # a command's trigger, for the forms; None where none can open
    # Which button of which message state was pressed (`press_of`); "" for a typed command or a form.
    press: str = ""

    @property
    def audit(self) -> AuditContext:
        return AuditContext(self.request_id, self.actor.user_id, self.actor.channel_id, self.source)


def press_of(body: Mapping[str, Any]) -> str:
    """A `block_actions` payload's press, as a short digest: the message, the button (its action id and
    value) and the message's blocks as the person saw them. Two clicks of one button of one message state
    (a double click, or two people watching the channel) are the same press; a different button, or the
    same button once the message was updated in place (a followed sync's Sync again), is another."""
    action = (body.get("actions") or [{}])[0]
    container = body.get("container") or {}
    seen = [
        container.get("channel_id"),
        container.get("message_ts"),
        action.get("action_id"),
        action.get("block_id"),
        action.get("value") or (action.get("selected_option") or {}).get("value"),
        (body.get("message") or {}).get("blocks"),  # absent for an ephemeral message: its ts says enough
    ]
    return hashlib.sha256(json.dumps(seen, sort_keys=True, default=str).encode()).hexdigest()[:16]
