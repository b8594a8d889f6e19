"""The Web API methods the bot uses, answered like Slack answers them (shapes and error codes)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from bot.slack_double.directory import Directory, Identity
from bot.slack_double.errors import ApiError, RateLimited
from bot.slack_double.events import (
    Deleted,
    EventBus,
    Posted,
    Unfurled,
    Updated,
    ViewOpened,
    ViewPublished,
    ViewUpdated,
)
from bot.slack_double.faults import Pacer
from bot.slack_double.limits import message_problems, view_problems
from bot.slack_double.store import Message, MessageStore
from bot.slack_double.unfurls import Shares
from bot.slack_double.views import Triggers, Views

Params = dict[str, Any]
Method = Callable[[Params], Awaitable[dict[str, Any]]]


def json_param(params: Params, key: str, error: str) -> Any:
    """A structured parameter: form-encoded calls send it as a JSON string, JSON calls as the value itself."""
    value = params.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(error) from None
    return value


def check_message(text: Any, blocks: Any, *, strict: bool) -> tuple[str, list[dict[str, Any]]]:
    """Slack's checks on a message payload; answers the stored (text, blocks)."""
    if not text and not blocks:
        raise ApiError("no_text")
    if text is not None and not isinstance(text, str):
        raise ApiError("invalid_arguments")
    if blocks is not None and not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format")
    if isinstance(text, str) and len(text) > 40_000:
        raise ApiError("msg_too_long")
    if strict and blocks:
        problems = message_problems(blocks=blocks)
        if problems:
            raise ApiError("invalid_blocks", errors=problems)
    return text or "", list(blocks or [])


class WebApi:
    def __init__(
        self,
        *,
        identity: Identity,
        store: MessageStore,
        views: Views,
        triggers: Triggers,
        directory: Directory,
        shares: Shares,
        bus: EventBus,
        pacer: Pacer | None,
        strict_blocks: bool,
    ) -> None:
        self.identity = identity
        self._store = store
        self._views = views
        self._triggers = triggers
        self._directory = directory
        self._shares = shares
        self._bus = bus
        self._pacer = pacer
        self._strict = strict_blocks
        self.methods: dict[str, Method] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.delete": self.chat_delete,
            "chat.unfurl": self.chat_unfurl,
            "views.open": self.views_open,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "usergroups.users.list": self.usergroups_users_list,
            "users.info": self.users_info,
            "conversations.info": self.conversations_info,
        }

    def message_payload(self, message: Message) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": "message",
            "user": self.identity.user_id,
            "bot_id": self.identity.bot_id,
            "ts": message.ts,
            "text": message.text,
            "blocks": message.blocks,
        }
        if message.thread_ts is not None:
            payload["thread_ts"] = message.thread_ts
        return payload

    async def auth_test(self, params: Params) -> dict[str, Any]:
        i = self.identity
        return {
            "url": i.url,
            "team": i.team,
            "user": i.user,
            "team_id": i.team_id,
            "user_id": i.user_id,
            "bot_id": i.bot_id,
            "is_enterprise_install": False,
        }

    def _channel(self, params: Params) -> str:
        channel = params.get("channel")
        if not isinstance(channel, str) or not channel:
            raise ApiError("channel_not_found")
        return channel

    def _live_message(self, params: Params) -> Message:
        message = self._store.get(self._channel(params), str(params.get("ts", "")))
        # Ephemeral messages live only in the recipient's client: chat.update and chat.delete cannot reach them.
        if message is None or message.ephemeral:
            raise ApiError("message_not_found")
        return message

    async def chat_post_message(self, params: Params) -> dict[str, Any]:
        channel = self._channel(params)
        text, blocks = check_message(
            params.get("text"), json_param(params, "blocks", "invalid_blocks_format"), strict=self._strict
        )
        if self._pacer is not None:
            retry_after = self._pacer.check(channel)
            if retry_after is not None:
                raise RateLimited(retry_after)
            self._pacer.posted(channel)
        thread_ts = params.get("thread_ts") or None
        message = self._store.add(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts)
        await self._bus.publish(Posted(message.snapshot()))
        return {"channel": channel, "ts": message.ts, "message": self.message_payload(message)}

    async def chat_update(self, params: Params) -> dict[str, Any]:
        message = self._live_message(params)
        text, blocks = params.get("text"), json_param(params, "blocks", "invalid_blocks_format")
        check_message(text, blocks, strict=self._strict)
        self._store.update(message, text=text, blocks=blocks)
        await self._bus.publish(Updated(message.snapshot()))
        return {
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "message": self.message_payload(message),
        }

    async def chat_post_ephemeral(self, params: Params) -> dict[str, Any]:
        channel = self._channel(params)
        user = params.get("user")
        if not isinstance(user, str) or not user:
            raise ApiError("user_not_found")
        text, blocks = check_message(
            params.get("text"), json_param(params, "blocks", "invalid_blocks_format"), strict=self._strict
        )
        message = self._store.add(
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=params.get("thread_ts") or None,
            user=user,
            ephemeral=True,
        )
        await self._bus.publish(Posted(message.snapshot()))
        return {"message_ts": message.ts}

    async def chat_delete(self, params: Params) -> dict[str, Any]:
        message = self._live_message(params)
        message.deleted = True
        await self._bus.publish(Deleted(message.snapshot()))
        return {"channel": message.channel, "ts": message.ts}

    async def chat_unfurl(self, params: Params) -> dict[str, Any]:
        share = self._shares.target(params)
        unfurls = json_param(params, "unfurls", "invalid_arguments")
        if self._strict and isinstance(unfurls, dict):
            for unfurl in unfurls.values():
                blocks = unfurl.get("blocks") if isinstance(unfurl, dict) else None
                problems = message_problems(blocks=blocks) if isinstance(blocks, list) else []
                if problems:
                    raise ApiError("invalid_blocks", errors=problems)
        self._shares.attach(share, unfurls)
        await self._bus.publish(Unfurled(share.snapshot()))
        return {}

    def _view(self, params: Params, *, kind: str) -> dict[str, Any]:
        view = json_param(params, "view", "invalid_arguments")
        if not isinstance(view, dict) or view.get("type") != kind:
            raise ApiError(
                "invalid_arguments", response_metadata={"messages": [f"/view/type: must be {kind}"]}
            )
        if self._strict:
            problems = view_problems(view)
            if problems:
                raise ApiError("invalid_arguments", response_metadata={"messages": problems})
        return view

    async def views_open(self, params: Params) -> dict[str, Any]:
        trigger = self._triggers.redeem(params.get("trigger_id"))
        record = self._views.open(self._view(params, kind="modal"), trigger.user if trigger else None)
        await self._bus.publish(ViewOpened(record.snapshot()))
        return {"view": record.as_payload()}

    async def views_update(self, params: Params) -> dict[str, Any]:
        record = self._views.get(view_id=params.get("view_id"), external_id=params.get("external_id"))
        view = self._view(params, kind=record.type)
        self._views.update(record, view, expected_hash=params.get("hash"))
        await self._bus.publish(ViewUpdated(record.snapshot()))
        return {"view": record.as_payload()}

    async def views_publish(self, params: Params) -> dict[str, Any]:
        user = params.get("user_id")
        if not isinstance(user, str) or not user:
            raise ApiError("user_not_found")
        record = self._views.publish(user, self._view(params, kind="home"), expected_hash=params.get("hash"))
        await self._bus.publish(ViewPublished(user, record.snapshot()))
        return {"view": record.as_payload()}

    async def usergroups_users_list(self, params: Params) -> dict[str, Any]:
        return {"users": self._directory.usergroup_users(params.get("usergroup"))}

    async def users_info(self, params: Params) -> dict[str, Any]:
        return {"user": self._directory.user_info(params.get("user"))}

    async def conversations_info(self, params: Params) -> dict[str, Any]:
        return {"channel": self._directory.channel_info(params.get("channel"))}
