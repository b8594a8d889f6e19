"""The Bolt listeners: `/hvr`, every `hvr.*` button, the Home tab, and the global error handler.

Each one acks first (Slack allows 3 seconds; Fivetran may take longer than that to answer), then hands the
request to the router with a responder for this request.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.prompts import render_error
from bot.services.governance.access import Actor
from bot.services.governance.replay import ReplayGuard
from bot.slack.ack_out import acks_first
from bot.slack.home import HomeTab
from bot.slack.responder import SlackResponder
from bot.slack.response_urls import ResponseUrls
from bot.slack.router import Router, reference_id
from bot.slack.turn import ModalOpener, press_of
from bot.slack.warm import warm_for

log = logging.getLogger(__name__)

COMMAND = "/hvr"
BUTTON = re.compile(r"^hvr\.")
FORM = re.compile(r"^hvr\.form\.")


def _first(headers: dict[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if isinstance(value, list | tuple):
        return str(value[0]) if value else None
    return None if value is None else str(value)


def _retry_number(headers: dict[str, Any]) -> int:
    """Which delivery this is, 0 for the first. Bolt 1.29+ turns a Socket Mode envelope's `retry_attempt`
    into `x-slack-retry-num`, so a first delivery there says 0; an unreadable number is no retry."""
    value = _first(headers, "x-slack-retry-num")
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _modal_opener(client: AsyncWebClient, trigger_id: str) -> ModalOpener | None:
    if not trigger_id:
        return None

    async def open_modal(view: dict[str, Any]) -> bool:
        try:
            await client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:
            # Most often the trigger's 3 seconds ran out while Fivetran or the database was slow.
            log.warning("views.open refused: %s", error.response.get("error"))
            return False
        return True

    return open_modal


def register(
    app: AsyncApp,
    router: Router,
    home: HomeTab,
    replay: ReplayGuard | None = None,
    response_urls: ResponseUrls | None = None,
) -> None:
    """`response_urls`: answers sent on one shared HTTP session; without it, Bolt's `respond` (a session
    per answer)."""
    seen_signatures = replay or ReplayGuard()

    def answering(respond: AsyncRespond) -> AsyncRespond:
        return response_urls.wrap(respond) if response_urls is not None else respond

    @app.middleware
    async def ignore_slack_retries(
        req: AsyncBoltRequest, resp: BoltResponse, next: Any
    ) -> BoltResponse | None:
        # We ack within milliseconds, so a retry means the first delivery is already being handled;
        # running it again would trigger Fivetran twice.
        retry = _retry_number(req.headers)
        if retry > 0:
            log.info("ignoring Slack retry %d (%s)", retry, _first(req.headers, "x-slack-retry-reason"))
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        # Bolt has checked the signature and its 5-minute window; a signature seen before, here or on
        # another replica or by the previous process, is a captured request played again (ReplayGuard).
        signature = _first(req.headers, "x-slack-signature")
        if signature and not await seen_signatures.first_time(signature):
            log.warning("refused a replayed Slack request (same signature as an earlier one)")
            return BoltResponse(status=401, body="replayed request")
        result: BoltResponse | None = await next()
        return result

    @app.command(COMMAND)
    async def on_command(
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        text = str(body.get("text", ""))
        warm_for(router.deps.cache, text)  # its first round trip runs while the ack goes out
        await ack()
        await acks_first(context)
        actor = Actor(str(body.get("user_id", "")), str(body.get("channel_id", "")))
        out = SlackResponder(client, answering(respond), channel_id=actor.channel_id, user_id=actor.user_id)
        modal = _modal_opener(client, str(body.get("trigger_id") or ""))
        await router.command(text, actor, out, modal=modal)

    @app.view(FORM)
    async def on_form(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body.get("view") or {}
        user = str((body.get("user") or {}).get("id", ""))

        def out(channel: str) -> SlackResponder:
            return SlackResponder(client, None, channel_id=channel, user_id=user)

        submitted = await router.forms.submit(str(view.get("callback_id", "")), view, user, out)
        if submitted.errors:
            await ack(response_action="errors", errors=submitted.errors)
            return
        await ack()
        if submitted.then is not None:
            await submitted.then()

    @app.action(BUTTON)
    async def on_button(
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        await acks_first(context)
        action = (body.get("actions") or [{}])[0]
        value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        channel = (
            (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
        )
        actor = Actor(str((body.get("user") or {}).get("id", "")), str(channel))
        out = SlackResponder(client, answering(respond), channel_id=actor.channel_id, user_id=actor.user_id)
        await router.action(str(action.get("action_id", "")), str(value), actor, out, press=press_of(body))

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") == "home":
            await home.publish(client, str(event.get("user", "")))

    @app.event("link_shared")
    async def on_link_shared(event: dict[str, Any], client: AsyncWebClient) -> None:
        actor = Actor(str(event.get("user", "")), str(event.get("channel", "")))
        urls = [str(link.get("url", "")) for link in event.get("links") or [] if isinstance(link, dict)]
        unfurls = await router.unfurls.unfurls(actor, urls)
        if not unfurls:
            return  # nothing the bot knows: Slack's own preview stays
        # A link still in the composer is known only by its unfurl_id; a posted one by channel and ts too,
        # and Slack documents unfurl_id + source as the way that works for both.
        unfurl_id, source = event.get("unfurl_id"), event.get("source")
        try:
            if unfurl_id and source:
                await client.chat_unfurl(unfurls=unfurls, unfurl_id=str(unfurl_id), source=str(source))
            else:
                ts = str(event.get("message_ts", ""))
                await client.chat_unfurl(unfurls=unfurls, channel=actor.channel_id, ts=ts)
        except SlackApiError as error:
            log.warning("chat.unfurl refused in %s: %s", actor.channel_id, error.response.get("error"))

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond | None = None) -> None:
        ref = reference_id()
        log.error("unhandled error [%s]", ref, exc_info=error)
        if respond is not None and getattr(respond, "response_url", None):
            message = render_error("Something went wrong on my side; nothing more was done.", reference=ref)
            try:
                await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
            except Exception:
                log.warning("could not tell the user about [%s]", ref, exc_info=True)
