"""The requests Slack sends to an app: slash commands and button presses, signed like Slack signs them.

Used by the shell (to drive the real Bolt app as Slack would) and by the end-to-end tests, including the
ones that forge or replay a request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

TEAM_ID = "T0DOUBLE1"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SlackRequest:
    body: bytes
    headers: dict[str, str]


class InboundFactory:
    def __init__(self, signing_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret
        self._clock = clock
        self._events = 0

    def _signed(
        self,
        body: bytes,
        *,
        timestamp: float | None = None,
        retry: int | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> SlackRequest:
        ts = str(int(self._clock() if timestamp is None else timestamp))
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": sign(self._secret, ts, body),
        }
        if retry is not None:
            headers["x-slack-retry-num"] = str(retry)
            headers["x-slack-retry-reason"] = "http_timeout"
        return SlackRequest(body, headers)

    def slash_command(
        self,
        *,
        text: str,
        user: str,
        channel: str,
        response_url: str,
        trigger_id: str,
        command: str = "/hvr",
        timestamp: float | None = None,
        retry: int | None = None,
    ) -> SlackRequest:
        form = {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "double",
            "channel_id": channel,
            "channel_name": "hvr-shell",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0DOUBLE1",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        return self._signed(urlencode(form).encode(), timestamp=timestamp, retry=retry)

    def block_action(
        self,
        *,
        user: str,
        channel: str,
        message_ts: str,
        message: dict[str, Any],
        action: dict[str, Any],
        response_url: str,
        trigger_id: str,
        ephemeral: bool = False,
        timestamp: float | None = None,
    ) -> SlackRequest:
        """A `block_actions` payload for one button or overflow option of `message`."""
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "double"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0DOUBLE1",
            "trigger_id": trigger_id,
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "channel": {"id": channel, "name": "hvr-shell"},
            "message": message,
            "response_url": response_url,
            "actions": [{**action, "action_ts": f"{self._clock():.6f}"}],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._signed(body, timestamp=timestamp)

    def event(self, event: dict[str, Any], *, timestamp: float | None = None) -> SlackRequest:
        """An Events API `event_callback` carrying `event` (a `link_shared`, an `app_home_opened`)."""
        now = self._clock()
        self._events += 1
        envelope = {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0DOUBLE1",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{int(now)}{self._events:06d}",
            "event_time": int(now),
            "authorizations": [
                {"team_id": TEAM_ID, "user_id": "U0HVRBOT", "is_bot": True, "is_enterprise_install": False}
            ],
            "is_ext_shared_channel": False,
        }
        body = json.dumps(envelope).encode()
        return self._signed(body, timestamp=timestamp, content_type="application/json")

    def view_submission(
        self, *, user: str, view: dict[str, Any], trigger_id: str, timestamp: float | None = None
    ) -> SlackRequest:
        """A `view_submission` payload: `view` as `SlackDouble.fill_in` gives it (state filled in)."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "double"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0DOUBLE1",
            "token": "deprecated-verification-token",
            "trigger_id": trigger_id,
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._signed(body, timestamp=timestamp)
