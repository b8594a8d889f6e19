"""`response_url`s: how Bolt's `respond()` answers a command or a click, with Slack's 5 uses in 30 minutes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.slack_double.api import check_message
from bot.slack_double.errors import ApiError
from bot.slack_double.events import Deleted, EventBus, Posted, Updated
from bot.slack_double.store import Message, MessageStore

RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_USES = 5


@dataclass
class ResponseUrl:
    """One response_url. `message_ts` is the original message; for a slash command there is none until the
    first response creates one, which later `replace_original` / `delete_original` then act on (as in Slack).
    """

    token: str
    channel: str
    user: str
    message_ts: str | None
    created_at: float
    uses: int = 0


class Refused(Exception):
    """Answered with this HTTP status and `{"ok": false, "error": error}`."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


class ResponseUrls:
    def __init__(
        self, *, clock: Callable[[], float], store: MessageStore, bus: EventBus, strict_blocks: bool
    ) -> None:
        self._clock = clock
        self._store = store
        self._bus = bus
        self._strict = strict_blocks
        self._urls: dict[str, ResponseUrl] = {}

    def new(self, *, channel: str, user: str, message_ts: str | None) -> ResponseUrl:
        hook = ResponseUrl(secrets.token_urlsafe(12), channel, user, message_ts, self._clock())
        self._urls[hook.token] = hook
        return hook

    def admit(self, token: str) -> ResponseUrl:
        """The URL for this token if it may still be used; refused like Slack refuses a spent or old URL."""
        hook = self._urls.get(token)
        if hook is None:
            raise Refused(404, "no_such_url")
        if self._clock() - hook.created_at > RESPONSE_URL_TTL:
            raise Refused(404, "expired_url")
        if hook.uses >= RESPONSE_URL_USES:
            raise Refused(404, "used_url")
        return hook

    async def deliver(self, token: str, body: dict[str, Any], *, counts: bool = True) -> Message:
        """Applies a response as Slack would. `counts=False` is for the ack body, which Slack shows without
        spending one of the URL's uses.
        """
        hook = self.admit(token)
        original = self._store.get(hook.channel, hook.message_ts) if hook.message_ts else None
        try:
            if body.get("delete_original"):
                message = await self._delete(original)
            elif body.get("replace_original") and original is not None:
                message = await self._replace(original, body)
            else:
                message = await self._post(hook, body)
        except ApiError as e:
            raise Refused(400 if e.error != "message_not_found" else 404, e.error) from None
        if counts:
            hook.uses += 1
        return message

    async def _delete(self, original: Message | None) -> Message:
        if original is None:
            raise ApiError("message_not_found")
        original.deleted = True
        await self._bus.publish(Deleted(original.snapshot()))
        return original

    async def _replace(self, original: Message, body: dict[str, Any]) -> Message:
        text, blocks = check_message(body.get("text"), body.get("blocks"), strict=self._strict)
        # Replacing without blocks leaves a text-only message behind, as in Slack.
        self._store.update(original, text=text, blocks=blocks)
        await self._bus.publish(Updated(original.snapshot()))
        return original

    async def _post(self, hook: ResponseUrl, body: dict[str, Any]) -> Message:
        text, blocks = check_message(body.get("text"), body.get("blocks"), strict=self._strict)
        in_channel = body.get("response_type") == "in_channel"
        message = self._store.add(
            channel=hook.channel,
            text=text,
            blocks=blocks,
            thread_ts=body.get("thread_ts") or None,
            user=None if in_channel else hook.user,
            ephemeral=not in_channel,
        )
        if hook.message_ts is None:
            hook.message_ts = message.ts
        await self._bus.publish(Posted(message.snapshot()))
        return message
