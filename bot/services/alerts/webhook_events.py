"""Fivetran webhook deliveries without I/O: the signature check and the payload decoding.

Fivetran signs the raw body with HMAC-SHA256 under the webhook's secret and sends the digest in upper-case
hex in `X-Fivetran-Signature-256` (no prefix, no timestamp). Payloads still say `connector_id`; older ones
say `group_id` where newer ones say `destination_group_id`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from bot.keys import DEFAULT_SOURCE, qualify
from bot.logs import redact
from bot.services.alerts.events import AlertEvent, AlertKind, claim_key

SIGNATURE_HEADER = "X-Fivetran-Signature-256"

_KINDS = {
    "connection_failure": AlertKind.BROKE,
    "connection_successful": AlertKind.RECOVERED,
    "pause_connector": AlertKind.PAUSED,
    "resume_connector": AlertKind.RESUMED,
    "sync_start": AlertKind.SYNC_STARTED,
}
# Fivetran has not documented who paused a connector in the payload; these are the names log events use.
_ACTOR_FIELDS = ("actor", "user", "user_id", "created_by", "initiated_by")
_TEXT_MAX = 2_000  # a reason longer than this is not for a Slack alert; keeps the event small


class WebhookPayloadError(ValueError):
    """A correctly signed body that is not a Fivetran event we can read."""


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().upper()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is the HMAC of `body` under `secret`, in either case; constant time."""
    if not secret or not header:
        return False
    expected = sign(secret, body).encode()
    # bytes, not str: compare_digest refuses non-ASCII strings, and a forged header may hold anything
    given = header.strip().upper().encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text[:_TEXT_MAX] or None


def _created(value: Any) -> datetime:
    if not isinstance(value, str):
        raise WebhookPayloadError("`created` is missing or not a timestamp")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise WebhookPayloadError(f"`created` is not an ISO timestamp: {value[:40]!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _kind(event: str, data: dict[str, Any]) -> AlertKind | None:
    if event == "sync_end":
        # FAILED, FAILURE_WITH_TASK and whatever Fivetran adds next are all failures
        return AlertKind.SYNC_SUCCEEDED if data.get("status") == "SUCCESSFUL" else AlertKind.SYNC_FAILED
    return _KINDS.get(event)


def _message(kind: AlertKind, data: dict[str, Any]) -> str | None:
    if kind is AlertKind.SYNC_FAILED:
        text = _text(data.get("reason")) or _text(data.get("status"))
    elif kind is AlertKind.BROKE:
        text = _text(data.get("reason")) or _text(data.get("message"))
    else:
        return None
    return redact(text) if text else text


def _qualified(source: str, remote: str | None) -> str | None:
    return None if remote is None else qualify(source, remote)


def parse_webhook(body: bytes, source: str = DEFAULT_SOURCE) -> AlertEvent | None:
    """The event in a delivery to `source`'s route; None for ones that carry nothing to announce
    (`test_event`, unknown events). Its ids become that source's keys: Fivetran's payload knows nothing of
    the bot's sources, the route it was sent to does.

    Raises `WebhookPayloadError` for a body that is not a Fivetran event at all.
    """
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookPayloadError("the body is not JSON") from None
    except RecursionError:  # json's decoder recurses once per nesting level; no event nests deeply
        raise WebhookPayloadError("the body is nested too deeply") from None
    if not isinstance(payload, dict):
        raise WebhookPayloadError("the body is not a JSON object")
    event = payload.get("event")
    if not isinstance(event, str) or not event:
        raise WebhookPayloadError("`event` is missing")
    data = payload.get("data")
    data = data if isinstance(data, dict) else {}
    kind = _kind(event, data)
    if kind is None:  # test_event and the many events alerts do not use (dbt, transformations, edits)
        return None
    remote = _text(payload.get("connector_id")) or _text(payload.get("connection_id"))
    if remote is None:
        raise WebhookPayloadError("`connector_id` is missing")
    connector_id = qualify(source, remote)
    created = _created(payload.get("created"))
    sync_id = _text(payload.get("sync_id"))
    # Redeliveries repeat the body byte for byte: sync_id + event identifies one, as Fivetran advises.
    key = (
        claim_key("webhook", qualify(source, sync_id), event)
        if sync_id
        else claim_key("webhook", connector_id, event, created.isoformat())
    )
    actor = next((_text(data.get(f)) for f in _ACTOR_FIELDS if _text(data.get(f))), None)
    return AlertEvent(
        connection_id=connector_id,
        kind=kind,
        at=created,
        key=key,
        source="webhook",
        message=_message(kind, data),
        actor=actor,
        connector_name=_text(payload.get("connector_name")) or _text(payload.get("connection_name")),
        group_id=_qualified(
            source, _text(payload.get("destination_group_id")) or _text(payload.get("group_id"))
        ),
        service=_text(payload.get("connector_type")),
    )
