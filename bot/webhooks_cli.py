"""`hvr-bot webhooks register|list|remove`: the Fivetran account webhook that feeds real-time alerts.

Each Fivetran account has a webhook of its own, registered with that account's credentials and signed with
that account's secret; with FIVETRAN_ACCOUNTS, `--source` says which account (`list` without it lists all).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from urllib.parse import urlparse

import httpx

from bot.config import ConfigurationError, FivetranAccount, Settings, load_settings
from bot.fivetran import FivetranClient, FivetranError
from bot.fivetran.factory import client_for_account
from bot.source_config import missing_webhook_secret

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


def register_command(account: FivetranAccount, url: str | None = None) -> str:
    """The command that registers `account`'s webhook, as a person would type it."""
    source = "" if account.single else f" --source {account.name}"
    return f"hvr-bot webhooks register{source}" + (f" --url {url}" if url else "")


def choose_accounts(settings: Settings, source: str | None, command: str) -> list[FivetranAccount] | str:
    """The accounts `command` works on, or why there are none: `--source` names one; without it, the only
    account, or every account for `list`."""
    accounts = settings.accounts()
    names = ", ".join(account.name for account in accounts)
    if source is None:
        if len(accounts) == 1 or command == "list":
            return accounts
        return (
            f"Several Fivetran accounts are configured ({names}): say which one with --source, "
            f"e.g. `hvr-bot webhooks {command} --source {accounts[0].name} …`"
        )
    chosen = [account for account in accounts if account.name == source]
    if not chosen:
        configured = (
            f"the configured ones are {names}" if len(accounts) > 1 else f"the configured one is {names}"
        )
        return f"No Fivetran account is named {source!r}: {configured}"
    return chosen


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
    # The webhook secret needed is the chosen account's, and only to register: it is asked below.
    problems = [p for p in settings.problems("webhooks") if "WEBHOOK_SECRET" not in p]
    accounts = choose_accounts(settings, getattr(args, "source", None), args.webhooks_command)
    if isinstance(accounts, str):
        problems.append(accounts)
    elif args.webhooks_command == "register" and accounts[0].webhook_secret is None:
        problems.append(missing_webhook_secret(accounts[0].variable("webhook_secret")))
    if problems or isinstance(accounts, str):
        for problem in problems:
            out(f"✗ {problem}")
        return 1
    owned = http is None
    http = http or httpx.AsyncClient()
    try:
        if args.webhooks_command == "list":
            codes = [await _list(client_for_account(a, http), a, len(accounts) > 1, out) for a in accounts]
            return max(codes)
        client = client_for_account(accounts[0], http)
        try:
            if args.webhooks_command == "register":
                return await _register(client, accounts[0], args.url, out)
            return await _remove(client, args.id, out)
        except FivetranError as error:
            out(f"✗ {_whose(accounts[0])}Fivetran refused: {error.message}")
            return 1
    finally:
        if owned:
            await http.aclose()


def _whose(account: FivetranAccount) -> str:
    """What names the account in a line: nothing for the single account."""
    return "" if account.single else f"{account.name}: "


async def _register(client: FivetranClient, account: FivetranAccount, url: str, out: Printer) -> int:
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        out(
            f"✗ The URL must be https://… (Fivetran refuses plain http), e.g. https://bot.example.com{account.webhook_path}"
        )
        return 1
    if not parsed.path.endswith(account.webhook_path):
        whose = "" if account.single else f"{account.name}'s "
        out(f"! The bot receives {whose}webhooks at {account.webhook_path}; this URL has a different path.")
    assert account.webhook_secret is not None
    secret = account.webhook_secret.get_secret_value()
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


async def _list(client: FivetranClient, account: FivetranAccount, several: bool, out: Printer) -> int:
    indent = "  " if several else ""
    if several:
        out(f"{account.name}:")
    try:
        hooks = await client.list_webhooks()
    except FivetranError as error:
        # One account refusing does not hide the others' webhooks.
        out(f"{indent}✗ {'' if several else _whose(account)}Fivetran refused: {error.message}")
        return 1
    if not hooks:
        example = f"https://…{account.webhook_path}"
        out(f"{indent}No webhooks. Register one with: {register_command(account, example)}")
        return 0
    for hook in hooks:
        state = "active" if hook.active else "inactive"
        scope = hook.type if hook.type == "account" else f"group {hook.group_id}"
        out(f"{indent}{hook.id}  {scope:<10} {state:<8} {hook.url}  [{', '.join(hook.events)}]")
    return 0


async def _remove(client: FivetranClient, webhook_id: str, out: Printer) -> int:
    message = await client.delete_webhook(webhook_id)
    out(f"✓ {message or f'Webhook {webhook_id} deleted'}")
    return 0
