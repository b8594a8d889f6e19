"""`POST /slack/events`: the HTTP edge in front of Bolt.

Bolt's Starlette adapter reads the whole body, decodes it as UTF-8, parses it as announced and lets
anything else escape as a 500 with an ERROR traceback; its signature check logs a rejected body at INFO.
What an unauthenticated sender controls is checked here first, so junk costs a bounded read, a 4xx and
one WARNING line.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.config import Settings
from bot.slack.ack_out import ACKS, edge_acks
from bot.web.body import BodyTooLarge, read_limited

log = logging.getLogger(__name__)

# Slack's largest payloads (a view_submission of a 100-block modal, a block_actions carrying its 50-block
# message) are a few hundred kB; a MiB leaves room for them and bounds what any sender costs us.
MAX_BODY = 1024 * 1024

TIMESTAMP = "x-slack-request-timestamp"
SIGNATURE = "x-slack-signature"
# Unix seconds. Bolt calls int() on it (a ValueError, hence a 500, for "abc"; Python also refuses to
# convert more than 4,300 digits), and hmac.compare_digest raises TypeError on a non-ASCII signature.
_SECONDS = re.compile(r"[0-9]{1,12}")

# Bolt's AsyncRequestVerification logs through this logger, once per bad signature, with the whole body.
BOLT_VERIFICATION_LOGGER = "slack_bolt.RequestVerification"


class SlackBodyError(ValueError):
    """A body that is not a Slack request: not a form, not a JSON object."""


def parse_slack_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """The request as Bolt's listeners expect it: a JSON object, the JSON of a form's `payload` field
    (interactivity), or the form itself (slash commands).

    Bolt decides "interactive" by the substring `payload` anywhere in the body, so `/hvr list payload`
    or a channel named payload-ops became an empty request (404); here it is the form's key that counts."""
    if not raw:
        return {}
    try:
        if content_type == "application/json" or raw.startswith("{"):
            parsed = json.loads(raw)
        else:
            form = dict(parse_qsl(raw, keep_blank_values=True))
            parsed = json.loads(form["payload"]) if "payload" in form else form
    except RecursionError:  # json's decoder recurses once per nesting level
        raise SlackBodyError("nested too deeply") from None
    except ValueError:
        raise SlackBodyError("not JSON") from None
    if not isinstance(parsed, dict):
        raise SlackBodyError("not a JSON object")
    return parsed


class EdgeBoltRequest(AsyncBoltRequest):
    """Bolt's request with the body parsed by `parse_slack_body`; the raw body (what the signature
    covers) is Bolt's, untouched."""

    def __init__(
        self,
        *,
        body: str | dict[str, Any],
        query: dict[str, Sequence[str]] | None = None,
        headers: dict[str, str | Sequence[str]] | None = None,
        context: dict[str, Any] | None = None,
        mode: str = "http",
    ) -> None:
        super().__init__(body=body, query=query, headers=headers, context=context, mode=mode)
        if isinstance(body, str):
            self.body = parse_slack_body(self.raw_body, self.content_type)
            self.context = build_async_context(AsyncBoltContext(context or {}), self.body)

    def to_copyable(self) -> AsyncBoltRequest:
        # Bolt copies a request for lazy listeners: the copy must parse the body the same way.
        return EdgeBoltRequest(
            body=self.raw_body if self.mode == "http" else self.body,
            query=self.query,
            headers=dict(self.headers),
            context=self.context.to_copyable(),
            mode=self.mode,
        )


class _BodyFreeVerificationLog(logging.Filter):
    """Keeps Bolt's "Invalid request signature detected" line, without the body (and the signature and
    timestamp) it carries: a forged request's body is the sender's text, of any size, in our log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Invalid request signature detected"):
            record.msg = "Invalid request signature detected (refused with 401; body not logged)"
            record.args = None
        return True


def quiet_bolt_verification_log() -> None:
    logger = logging.getLogger(BOLT_VERIFICATION_LOGGER)
    if not any(isinstance(f, _BodyFreeVerificationLog) for f in logger.filters):
        # A filter, not a level: Bolt resets this logger's level from the root's whenever an app is built.
        logger.addFilter(_BodyFreeVerificationLog())


def serves_slack_events(settings: Settings) -> bool:
    """Only with a signing secret: without one (Socket Mode allows it) nothing could tell Slack's
    requests from anybody's, so the route is not served at all (404)."""
    secret = settings.slack_signing_secret
    return secret is not None and bool(secret.get_secret_value())


def _refuse(status: int, text: str, why: str) -> Response:
    log.warning("refused a request to /slack/events: %s", why)
    return PlainTextResponse(text, status_code=status)


def slack_events_route(app: AsyncApp, *, path: str = "/slack/events", max_body: int = MAX_BODY) -> Route:
    quiet_bolt_verification_log()
    # The requests read and not answered yet: listeners' work waits behind them (bot/slack/ack_out.py).
    acks = edge_acks()

    async def receive(request: Request) -> Response:
        try:
            raw = await read_limited(request, max_body)
        except BodyTooLarge:
            return _refuse(413, "body too large", f"body over {max_body} bytes")
        except ClientDisconnect:
            return _refuse(400, "incomplete body", "the client went away before the body ended")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse(400, "body is not UTF-8", "body is not UTF-8")
        stamp, signature = request.headers.get(TIMESTAMP), request.headers.get(SIGNATURE)
        if (stamp is not None and not _SECONDS.fullmatch(stamp)) or (signature and not signature.isascii()):
            return _refuse(401, "invalid request", "malformed signature headers")
        headers: dict[str, str | Sequence[str]] = {k: request.headers.getlist(k) for k in request.headers}
        query: dict[str, Sequence[str]] = {k: request.query_params.getlist(k) for k in request.query_params}
        try:
            bolt_request = EdgeBoltRequest(body=text, query=query, headers=headers, context={ACKS: acks})
        except Exception as error:  # parsing only, no I/O: whatever it raises, the body is unreadable
            return _refuse(400, "unreadable body", f"unreadable body ({type(error).__name__})")
        # Counted from here, not from its arrival: a client slow to send its body (or a flood of bodies
        # refused above) would otherwise hold every listener's work for the limit. Starlette writes the
        # response before this task next waits, so a listener woken when the last request is answered
        # works after every ack has left.
        with acks.busy():
            return to_starlette_response(await app.async_dispatch(bolt_request))

    return Route(path, receive, methods=["POST"])
