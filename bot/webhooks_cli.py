"""`hvr-bot webhooks register|list|remove`: the Fivetran account webhook that feeds real-time alerts."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from urllib.parse import urlparse

import httpx

from bot.config import ConfigurationError, Settings, load_settings
from bot.fivetran import FivetranClient, FivetranError
from bot.fivetran.factory import client_from_settings

# What the bot turns into alerts: sync ends (failures, recoveries), connection health, pause and resume.
EVENTS = (
    "sync_start",
    "sync_end",
    "connection_successful",
    "connection_failure",
    "pause_connector",
    "resume_connector",
)

Printer = Callable[[str], None]


async def run_webhooks(
    args: argparse.Namespace,
    settings: Settings | None = None,
    *,
    http: httpx.AsyncClient | None = None,
    out: Printer = print,
) -> int:
    if settings is None:
        try:
            settings = load_settings()
        except ConfigurationError as error:
            for problem in error.problems:
                out(f"✗ {problem}")
            return 1
    mode_needs_secret = args.webhooks_command == "register"
    problems = [p for p in settings.problems("webhooks") if mode_needs_secret or "WEBHOOK_SECRET" not in p]
    if problems:
        for problem in problems:
            out(f"✗ {problem}")
        return 1
    owned = http is None
    http = http or httpx.AsyncClient()
    try:
        client = client_from_settings(settings, http)
        if args.webhooks_command == "register":
            return await _register(client, settings, args.url, out)
        if args.webhooks_command == "list":
            return await _list(client, out)
        return await _remove(client, args.id, out)
    except FivetranError as error:
        out(f"✗ Fivetran refused: {error.message}")
        return 1
    finally:
        if owned:
            await http.aclose()


async def _register(client: FivetranClient, settings: Settings, url: str, out: Printer) -> int:
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        out(
            "✗ The URL must be https://… (Fivetran refuses plain http), e.g. https://bot.example.com/fivetran/webhook"
        )
        return 1
    if not parsed.path.endswith("/fivetran/webhook"):
        out("! The bot receives webhooks at /fivetran/webhook; this URL has a different path.")
    assert settings.fivetran_webhook_secret is not None
    secret = settings.fivetran_webhook_secret.get_secret_value()
    existing = [w for w in await client.list_webhooks() if w.type == "account" and w.url == url]
    if existing:
        hook = await client.update_webhook(
            existing[0].id, {"events": list(EVENTS), "active": True, "secret": secret}
        )
        out(f"✓ Updated account webhook {hook.id} → {hook.url} ({', '.join(hook.events)})")
    else:
        hook = await client.create_account_webhook(url, EVENTS, secret)
        out(f"✓ Created account webhook {hook.id} → {hook.url} ({', '.join(hook.events)})")
    return 0


async def _list(client: FivetranClient, out: Printer) -> int:
    hooks = await client.list_webhooks()
    if not hooks:
        out("No webhooks. Register one with: hvr-bot webhooks register --url https://…/fivetran/webhook")
        return 0
    for hook in hooks:
        state = "active" if hook.active else "inactive"
        scope = hook.type if hook.type == "account" else f"group {hook.group_id}"
        out(f"{hook.id}  {scope:<10} {state:<8} {hook.url}  [{', '.join(hook.events)}]")
    return 0


async def _remove(client: FivetranClient, webhook_id: str, out: Printer) -> int:
    message = await client.delete_webhook(webhook_id)
    out(f"✓ {message or f'Webhook {webhook_id} deleted'}")
    return 0
