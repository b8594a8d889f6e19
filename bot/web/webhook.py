"""`POST /fivetran/webhook[/<source>]`: verify, decode, claim, record what it owes, answer.

Fivetran retries a delivery that is not answered 2xx for 24 hours, so a 2xx means the event is on
record: claimed, and what each watching channel is owed written to the outbox (the deliverer posts it
when Slack takes it, so a Slack outage delays an alert instead of losing it). Failures the sender can fix
by retrying (the database is down) answer 503; a body that will never be accepted answers 4xx.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.keys import DEFAULT_SOURCE
from bot.services.alerts.events import AlertEvent
from bot.services.alerts.webhook_events import (
    SIGNATURE_HEADER,
    WebhookPayloadError,
    parse_webhook,
    verify_signature,
)
from bot.web.body import BodyTooLarge, read_limited

log = logging.getLogger(__name__)

# Fivetran's events are a few hundred bytes; anything near this is not Fivetran.
MAX_BODY = 256 * 1024

Handle = Callable[[AlertEvent], Awaitable[None]]
Dedupe = Callable[[AlertEvent], Awaitable[bool]]
# Told every delivery's outcome ("accepted", "duplicate", "ignored", "refused-…", "unavailable").
Observe = Callable[[str], None]


def _text(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status)


def fivetran_webhook_routes(
    secrets: Mapping[str, str | None],
    handle: Handle,
    dedupe: Dedupe,
    *,
    path: str = "/fivetran/webhook",
    max_body: int = MAX_BODY,
    observe: Observe | None = None,
) -> list[Route]:
    """`secrets` is each source's webhook secret. `POST <path>/<source>` verifies with that source's
    secret; `POST <path>` is the single account's form, the source named `fivetran`. A source that is not
    configured, or has no secret, has no route (404), so a guessed name learns nothing.

    `dedupe(event)` is True for the first delivery of an event (it claims it); `handle(event)` records what
    it owes (and releases the claim when it raises), before the answer, so it must not wait on Fivetran's
    API (`AlertService.deliver_webhook` decides with the last snapshot)."""

    def seen(outcome: str) -> None:
        if observe is not None:
            observe(outcome)

    async def receive_default(request: Request) -> Response:
        return await receive(request, DEFAULT_SOURCE)

    async def receive_named(request: Request) -> Response:
        return await receive(request, str(request.path_params["source"]))

    async def receive(request: Request, source: str) -> Response:
        secret = secrets.get(source)
        if not secret:
            return _text(404, "Not Found")
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            seen("refused-unsigned")
            return _text(401, "missing signature")
        try:
            body = await read_limited(request, max_body)
        except BodyTooLarge:
            seen("refused-too-large")
            return _text(413, "body too large")
        except ClientDisconnect:
            seen("refused-incomplete")
            return _text(400, "incomplete body")
        if not verify_signature(secret, body, header):
            seen("refused-bad-signature")
            return _text(401, "bad signature")
        try:
            event = parse_webhook(body, source)
        except WebhookPayloadError as error:
            log.warning("fivetran webhook: signed but unreadable: %s", error)
            seen("refused-unreadable")
            return _text(400, str(error))
        if event is None or not event.announced:
            seen("ignored")
            return _text(200, "ignored")
        try:
            first = await dedupe(event)
        except Exception:
            log.exception("fivetran webhook: could not claim %s", event.key)
            seen("unavailable")
            return _text(503, "try again later")  # Fivetran will redeliver
        if not first:
            seen("duplicate")
            return _text(200, "duplicate")
        try:
            await handle(event)
        except Exception:
            log.exception("fivetran webhook: could not record %s", event.key)
            seen("unavailable")
            return _text(503, "try again later")
        seen("accepted")
        return _text(200, "ok")

    return [
        Route(path, receive_default, methods=["POST"]),
        Route(f"{path}/{{source}}", receive_named, methods=["POST"]),
    ]
