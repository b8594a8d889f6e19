"""Account webhooks (create, update, delete, as the API checks them) and their delivery: signed like Fivetran (`X-Fivetran-Signature-256`, upper-case hex
HMAC-SHA256 of the raw body), retried with a growing wait and a bounded number of attempts.

Delivery times follow the simulator's clock, so a test steps a ManualClock past the backoff and calls
`deliver_due()` instead of waiting.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.simulator.clock import Clock
from bot.simulator.errors import invalid, not_found
from bot.simulator.model import Webhook

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Fivetran-Signature-256"


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().upper()


@dataclass(slots=True)
class Delivery:
    webhook_id: str
    event: str
    body: bytes
    due: datetime
    attempts: int = 0
    last_status: int | None = None


class WebhookHub:
    def __init__(
        self,
        clock: Clock,
        client: httpx.AsyncClient | None = None,
        *,
        max_attempts: int = 5,
        backoff_s: float = 300.0,
    ) -> None:
        self.clock = clock
        self.webhooks: dict[str, Webhook] = {}
        self.pending: list[Delivery] = []
        self.delivered: list[Delivery] = []
        self.dropped: list[Delivery] = []
        self.max_attempts = max_attempts
        # Fivetran waits 5 more minutes before each retry (10:05, 10:15, 10:30, ...).
        self.backoff_s = backoff_s
        self._client = client
        self._owns_client = client is None

    def create(self, body: dict[str, Any], *, webhook_id: str, created_by: str) -> Webhook:
        url, events = body.get("url"), body.get("events")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise invalid("Field 'url' is required and must be an http(s) URL")
        if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
            raise invalid("Field 'events' is required and must be a non-empty list of event names")
        secret = body.get("secret")
        hook = Webhook(
            id=webhook_id,
            type="account",
            url=url,
            events=list(events),
            active=bool(body.get("active", True)),
            secret=secret if isinstance(secret, str) and secret else None,
            created_at=self.clock.now(),
            created_by=created_by,
        )
        self.webhooks[hook.id] = hook
        return hook

    def get(self, webhook_id: str) -> Webhook:
        try:
            return self.webhooks[webhook_id]
        except KeyError:
            raise not_found("Webhook", webhook_id) from None

    def update(self, webhook_id: str, body: dict[str, Any]) -> Webhook:
        hook = self.get(webhook_id)
        url, events, secret = body.get("url", hook.url), body.get("events", hook.events), body.get("secret")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise invalid("Field 'url' must be an http(s) URL")
        if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
            raise invalid("Field 'events' must be a non-empty list of event names")
        hook.url, hook.events = url, list(events)
        if "active" in body:
            hook.active = bool(body["active"])
        if isinstance(secret, str) and secret:
            hook.secret = secret
        return hook

    def delete(self, webhook_id: str) -> None:
        self.get(webhook_id)
        del self.webhooks[webhook_id]

    def emit(self, event: str, payload: dict[str, Any], group_id: str | None) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        for hook in self.webhooks.values():
            if not hook.active or not (event in hook.events or "*" in hook.events):
                continue
            if hook.type == "group" and hook.group_id != group_id:
                continue
            self.pending.append(Delivery(hook.id, event, body, due=self.clock.now()))

    async def deliver_due(self) -> int:
        """Send every delivery that is due; returns how many the receivers accepted."""
        now = self.clock.now()
        due = [d for d in self.pending if d.due <= now]
        accepted = 0
        for delivery in due:
            hook = self.webhooks.get(delivery.webhook_id)
            if hook is None or not hook.active:  # deleted or switched off meanwhile
                self.pending.remove(delivery)
                continue
            ok = await self._send(hook, delivery)
            delivery.attempts += 1
            self.pending.remove(delivery)
            if ok:
                accepted += 1
                self.delivered.append(delivery)
            elif delivery.attempts >= self.max_attempts:
                logger.warning("webhook %s: giving up on %s after %d attempts", hook.id, delivery.event,
                               delivery.attempts)  # fmt: skip
                self.dropped.append(delivery)
            else:
                delivery.due = now + timedelta(seconds=self.backoff_s * delivery.attempts)
                self.pending.append(delivery)
        return accepted

    async def _send(self, hook: Webhook, delivery: Delivery) -> bool:
        headers = {"Content-Type": "application/json", "User-Agent": "Fivetran-Webhooks (simulated)"}
        if hook.secret:
            headers[SIGNATURE_HEADER] = sign(hook.secret, delivery.body)
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0)
        try:
            response = await self._client.post(hook.url, content=delivery.body, headers=headers)
        except httpx.HTTPError as exc:
            logger.info("webhook %s: %s delivery failed: %s", hook.id, delivery.event, exc)
            delivery.last_status = None
            return False
        delivery.last_status = response.status_code
        return response.is_success

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
