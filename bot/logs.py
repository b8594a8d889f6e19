"""Logging set-up: readable lines on a terminal, one JSON object a line elsewhere, secrets redacted.

`redact` is the bot's one redactor: log lines go through it, and so does every string from outside (a
Fivetran error message, a task, a setup test's result, a webhook's reason) before it is stored or shown.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import SecretStr

    from bot.config import Settings

# Tokens and credentials that must never reach a log line, even inside a traceback.
_SECRET_PATTERNS = [
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    # A header as text ("Authorization: Basic …") or in a dict's repr ("'Authorization': 'Bearer …'").
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(basic|bearer)\s+)[A-Za-z0-9+/=._-]+"),
    # The credential alone, as an upstream that echoes the header puts it ("… got Basic ZGVtbzpkZW1v").
    # It must look like a token (a digit, a base64 sign, or a capital after a small letter), so that
    # prose such as "Basic Information" is left alone.
    re.compile(
        r"\b((?:basic|bearer|Basic|Bearer|BASIC|BEARER)\s+)(?=\S*(?:[0-9+/=]|[a-z][A-Z]))[A-Za-z0-9+/=._~-]{8,}"
    ),
    re.compile(
        r"(?i)(['\"]?(api_secret|secret|signing_secret|password|token)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"
    ),
]
_extra_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Redact this exact value wherever it shows up (API secrets have no recognisable shape)."""
    if value and len(value) >= 4:
        _extra_secrets.add(value)
        # The same value as it appears inside a JSON string (a quote or backslash in it is escaped there).
        _extra_secrets.add(json.dumps(value, ensure_ascii=False)[1:-1])


def register_settings_secrets(settings: Settings) -> None:
    """Registers every secret the bot was configured with, and the forms it takes on the wire.

    Called at start-up by `serve`, `check` and the web app, before anything could log a request.
    """
    for secret in (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.fivetran_api_key,
        settings.fivetran_api_secret,
        settings.fivetran_webhook_secret,
    ):
        if secret is not None:
            register_secret(secret.get_secret_value())
    if settings.fivetran_api_key is not None and settings.fivetran_api_secret is not None:
        _register_basic_auth(settings.fivetran_api_key, settings.fivetran_api_secret)
    # The accounts FIVETRAN_ACCOUNTS names, each with secrets of its own.
    for account in settings.fivetran_accounts.values():
        for secret in (account.api_key, account.api_secret, account.webhook_secret):
            if secret is not None:
                register_secret(secret.get_secret_value())
        _register_basic_auth(account.api_key, account.api_secret)
    # Each HVR hub's login password (its bearer tokens are short-lived and never logged by the client;
    # the patterns above catch them as a header or a JSON field).
    for hub in settings.hvr_hubs.values():
        register_secret(hub.password.get_secret_value())
    password = _database_password(settings.database_url)
    if password:
        register_secret(password)


def _register_basic_auth(key: SecretStr, secret: SecretStr) -> None:
    # HTTP Basic sends key:secret in base64: a dumped request header shows that, not the secret.
    pair = f"{key.get_secret_value()}:{secret.get_secret_value()}"
    register_secret(base64.b64encode(pair.encode()).decode())


def _database_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except ArgumentError:
        return None


def redact(text: str) -> str:
    # Longest first: a secret that contains another must not be left half-redacted.
    for secret in sorted(_extra_secrets, key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + "[redacted]", text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            # Redacted before encoding too: JSON escaping could otherwise hide a secret from `redact`.
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["traceback"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["traceback"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return redact(json.dumps(entry, ensure_ascii=False))


# The same warning line (a flood of "Invalid HTTP request received." from a hostile client) is written at
# most once in this many seconds; the next one that is written says how many were left out meanwhile.
REPEAT_INTERVAL_S = 5.0
_MAX_REMEMBERED_LINES = 1_000


class RepeatLimitedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that drops a WARNING-or-worse line repeated within `interval` seconds.

    Lines below WARNING pass untouched: they are the bot's own narrative and are not attacker-driven.
    """

    def __init__(
        self,
        stream: Any = None,
        *,
        interval: float = REPEAT_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(stream)
        self._interval = interval
        self._clock = clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}  # line -> (written at, left out since)

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING:
            super().emit(record)
            return
        try:
            line = record.getMessage()
        except Exception:  # a bad format string: let the normal path report it
            super().emit(record)
            return
        key = (record.name, record.levelno, line)
        now = self._clock()
        written = self._seen.get(key)
        if written is not None and now - written[0] < self._interval:
            self._seen[key] = (written[0], written[1] + 1)
            return
        if len(self._seen) >= _MAX_REMEMBERED_LINES:
            # Forget lines that are no longer being repeated; bounded whatever an attacker varies.
            self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self._interval}
            if len(self._seen) >= _MAX_REMEMBERED_LINES:
                self._seen.clear()
        self._seen[key] = (now, 0)
        if written is not None and written[1]:
            record = copy.copy(record)  # other handlers (a test's capture) keep the original
            record.msg = (
                f"{line} ({written[1]} more like this in the last {now - written[0]:.0f}s not logged)"
            )
            record.args = None
        super().emit(record)


def configure_logging(
    level: int = logging.INFO, *, stream: Any = None, json_lines: bool | None = None
) -> None:
    """One handler on the root logger: JSON lines unless `stream` is a terminal (or `json_lines` says)."""
    stream = stream or sys.stderr
    handler = RepeatLimitedHandler(stream)
    terminal = getattr(stream, "isatty", lambda: False)() if json_lines is None else not json_lines
    if terminal:
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
