"""`POST /v1/connections/{id}/connect-card`: a link with a short-lived token, as Fivetran makes it."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bot.simulator.errors import invalid
from bot.simulator.model import Connection

CONNECT_CARD_TTL = timedelta(hours=1)
_CARD_FIELDS = ("redirect_uri", "hide_setup_guide", "all_fields")


def _part(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def build_connect_card(conn: Connection, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Validated as the spec's `ConnectCardConfigRequest`; the token's `exp` is an hour from `now`."""
    config = body.get("connect_card_config")
    if not isinstance(config, dict):
        raise invalid("Field 'connect_card_config' is required")
    redirect = config.get("redirect_uri")
    if not isinstance(redirect, str) or not redirect.startswith(("http://", "https://")):
        raise invalid("connect_card_config.redirect_uri must start with http:// or https://")
    for flag in ("hide_setup_guide", "all_fields"):
        if flag in config and not isinstance(config[flag], bool):
            raise invalid(f"connect_card_config.{flag} must be a boolean")
    exp = int((now + CONNECT_CARD_TTL).timestamp())
    token = ".".join((_part({"alg": "none"}), _part({"sub": conn.id, "exp": exp}), _part("sim")))
    hide = "true" if config.get("hide_setup_guide") else "false"
    query = urlencode({"redirect_uri": redirect, "auth": token, "hide_setup_guide": hide})
    return {
        "connector_id": conn.id,
        "connect_card": {"token": token, "uri": f"https://fivetran.com/connect-card/setup?{query}"},
        "connect_card_config": {k: v for k, v in config.items() if k in _CARD_FIELDS},
    }
