"""`hvr-bot check`: is this bot set up to run? A doctor that answers in plain words; exit 0 only when all
is well.

It looks at what an operator would otherwise find out from a failing deployment: the configuration, the
Fivetran key and what it may do, the Slack token and its scopes, the database and its schema, and the
webhook that feeds real-time alerts. Every line starts with ✓ (fine), ✗ (must be fixed) or · (a note).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.check_hubs import hub_findings
from bot.clock import Now, utcnow
from bot.config import ConfigurationError, FivetranAccount, Settings, load_settings
from bot.fivetran import FivetranClient, FivetranError, Forbidden, TransportError, Unauthorized
from bot.fivetran.factory import client_for_account
from bot.fivetran.retry import RetryPolicy
from bot.logs import register_settings_secrets
from bot.storage.db import Database, is_sqlite, mask_url
from bot.storage.outbox import OutboxRepo
from bot.webhooks_cli import register_command

Printer = Callable[[str], None]

# The bot scopes of manifest.yml (tests/test_check.py keeps the two equal). A copy, because the manifest
# is not part of the installed package and `check` must work from the Docker image.
REQUIRED_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "usergroups:read",
    "links:read",
    "links:write",
    "users:read",
)
# A probe is one question, asked at most twice: a doctor must not sit in a minute of retries.
PROBE_RETRY = RetryPolicy(max_attempts=2, base_delay=0.2)


@dataclass(frozen=True)
class Finding:
    ok: bool
    text: str
    note: bool = False  # neither good nor bad: something the operator should know

    def line(self) -> str:
        mark = "·" if self.note else ("✓" if self.ok else "✗")
        return f"  {mark} {self.text}"


# --- Fivetran ------------------------------------------------------------------------------------------


async def _account(client: FivetranClient, account: FivetranAccount) -> Finding:
    try:
        info = await client.account_info()
    except Unauthorized:
        return Finding(
            False,
            f"Fivetran did not accept {account.variable('api_key')} / {account.variable('api_secret')}: "
            "check both values (a regenerated key disables the old one)",
        )
    except Forbidden as error:
        return Finding(False, f"Fivetran refused the account info for this key: {error.message}")
    except TransportError as error:
        return Finding(False, f"could not reach Fivetran at {account.api_url}: {error.message}")
    except FivetranError as error:
        return Finding(False, f"Fivetran answered with a problem: {error.message}")
    who = info.account_name or info.account_id
    key_kind = "system key" if info.system_key_id else "user key"
    return Finding(True, f"Fivetran: connected to account {who} with a {key_kind}")


async def _can_list_connections(client: FivetranClient) -> Finding:
    # One connection is enough to prove the permission; the client's own lists ask for 1,000.
    try:
        await client.transport.request("list_connections", "GET", "/v1/connections", params={"limit": 1})
    except Forbidden:
        return Finding(
            False,
            "Fivetran: this key may not list connections; give its user (or the system key) at least "
            "View access to the connections the bot should see, and Manage access for syncs and pauses",
        )
    except FivetranError as error:
        return Finding(False, f"Fivetran: listing connections failed: {error.message}")
    return Finding(True, "Fivetran: the key may list connections")


async def _webhook(client: FivetranClient, account: FivetranAccount, settings: Settings) -> Finding:
    if account.webhook_secret is None:
        return Finding(
            True,
            f"Fivetran webhook: {account.variable('webhook_secret')} is not set, so alerts come from polling "
            f"every {settings.hvr_watch_interval}s (set it and run `{register_command(account)}` for "
            "real-time alerts)",
            note=True,
        )
    try:
        hooks = [h for h in await client.list_webhooks() if h.type == "account"]
    except FivetranError as error:
        return Finding(False, f"Fivetran webhook: could not list the account's webhooks: {error.message}")
    active = [h for h in hooks if h.active]
    if active:
        return Finding(True, f"Fivetran webhook: {active[0].id} is active and sends to {active[0].url}")
    if hooks:
        return Finding(
            False,
            f"Fivetran webhook: {hooks[0].id} ({hooks[0].url}) is registered but not active: run "
            f"`{register_command(account, '<its URL>')}` again to activate it",
        )
    return Finding(
        False,
        f"Fivetran webhook: {account.variable('webhook_secret')} is set but no account webhook is registered: "
        f"run `{register_command(account, f'https://<your host>{account.webhook_path}')}`",
    )


async def account_findings(
    account: FivetranAccount, settings: Settings, http: httpx.AsyncClient
) -> list[Finding]:
    client = client_for_account(account, http, retry=PROBE_RETRY)
    connected = await _account(client, account)
    if not connected.ok:
        return [connected]  # the other questions would fail the same way and say less
    return [connected, await _can_list_connections(client), await _webhook(client, account, settings)]


async def fivetran_findings(settings: Settings, http: httpx.AsyncClient) -> list[Finding]:
    """Each account with its credentials, one after the other; with several, each line names its account."""
    accounts = [
        a for a in settings.accounts() if a.api_key.get_secret_value() and a.api_secret.get_secret_value()
    ]
    several = len(settings.accounts()) > 1
    found: list[Finding] = []
    for account in accounts:
        for finding in await account_findings(account, settings, http):
            found.append(replace(finding, text=f"{account.name}: {finding.text}") if several else finding)
    unused = settings.unused_fivetran_variables()
    if unused:
        names = ", ".join(a.name for a in settings.accounts())
        found.append(
            Finding(
                True,
                f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} set but not used: FIVETRAN_ACCOUNTS "
                f"names the accounts ({names}), each read from its own FIVETRAN_<NAME>_… variables",
                note=True,
            )
        )
    return found


# --- Slack ---------------------------------------------------------------------------------------------


async def slack_findings(settings: Settings) -> list[Finding]:
    assert settings.slack_bot_token is not None
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error", "unknown_error") if error.response is not None else "unknown_error"
        if code in ("invalid_auth", "not_authed", "token_revoked", "account_inactive"):
            return [
                Finding(
                    False,
                    f"Slack did not accept SLACK_BOT_TOKEN ({code}): reinstall the app and copy the token",
                )
            ]
        return [Finding(False, f"Slack answered auth.test with an error: {code}")]
    except Exception as error:  # aiohttp raises its own connection errors
        return [Finding(False, f"could not reach Slack at {settings.slack_api_url}: {type(error).__name__}")]
    found = [
        Finding(
            True,
            f"Slack: connected to {answer.get('team', 'the workspace')} as {answer.get('user', 'the bot')}",
        )
    ]
    header = _header(answer.headers, "x-oauth-scopes")
    if header is None:
        found.append(Finding(True, "Slack: the token's scopes were not reported; not checked", note=True))
        return found
    granted = {s.strip() for s in header.split(",") if s.strip()}
    missing = [s for s in REQUIRED_SCOPES if s not in granted]
    if missing:
        found.append(
            Finding(
                False,
                f"Slack: the token lacks the scope{'s' if len(missing) > 1 else ''} {', '.join(missing)}: add "
                "them under OAuth & Permissions (or update the app from manifest.yml) and reinstall the app",
            )
        )
    else:
        found.append(
            Finding(
                True, f"Slack: the token has every scope the manifest asks for ({', '.join(REQUIRED_SCOPES)})"
            )
        )
    return found


def _header(headers: object, name: str) -> str | None:
    # aiohttp hands slack_sdk a case-insensitive multidict, other transports a dict: ask both by items().
    items = getattr(headers, "items", None)
    if items is None:
        return None
    for key, value in items():
        if str(key).lower() == name:
            return ", ".join(value) if isinstance(value, list) else str(value)
    return None


# --- database ------------------------------------------------------------------------------------------


def _missing_sqlite_file(url: str) -> str | None:
    if not is_sqlite(url):
        return None
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:") or Path(path).exists():
        return None
    return path


async def database_findings(settings: Settings) -> list[Finding]:
    # Imported here: the migration machinery (Alembic) is only needed by this part of the check.
    from bot.storage.migrate import SchemaBehind, SchemaError, ensure_schema, head_revision, refuse_vanished

    url = settings.database_url
    shown = mask_url(url)
    try:
        refuse_vanished(url)
    except SchemaError as vanished:
        return [Finding(False, f"Database: {vanished}")]
    missing = _missing_sqlite_file(url)
    if missing is not None:
        # Looking would create it; serve does that itself, with the schema.
        return [
            Finding(True, f"Database: SQLite file {missing} does not exist yet; `hvr-bot serve` creates it")
        ]
    try:
        # The same test serve makes at start, never upgrading: a check changes nothing.
        await ensure_schema(url, auto_upgrade=False)
    except SchemaBehind as behind:
        if is_sqlite(url):
            return [
                Finding(True, f"{behind} (`hvr-bot serve` upgrades SQLite by itself at start.)", note=True)
            ]
        return [Finding(False, f"Database: {behind}")]
    except SchemaError as error:
        return [Finding(False, f"Database: {error}")]
    except (OSError, SQLAlchemyError, TimeoutError) as error:
        return [
            Finding(
                False,
                f"Database: {shown} can't be reached ({type(error).__name__}): check DATABASE_URL, that the "
                "server is up and that the user may connect",
            )
        ]
    found = [Finding(True, f"Database: {shown} is reachable and its schema is current ({head_revision()})")]
    return [*found, await outbox_finding(url)]


# Older than this, an undelivered message means Slack has been refusing the bot for a while (or no
# replica is delivering): worth a person's look.
STUCK_OUTBOX_S = 15 * 60


async def outbox_finding(url: str, *, now: Now = utcnow, stuck_after_s: float = STUCK_OUTBOX_S) -> Finding:
    """Whether messages owed to Slack are being delivered."""
    database = Database(url)
    try:
        stats = await OutboxRepo(database, clock=now).stats()
    except (OSError, SQLAlchemyError) as error:
        return Finding(False, f"Outbox: could not be read ({type(error).__name__})")
    finally:
        await database.dispose()
    if stats.oldest is None:
        return Finding(True, "Outbox: nothing owed to Slack")
    age = (now() - stats.oldest).total_seconds()
    if age > stuck_after_s:
        return Finding(
            False,
            f"Outbox: {stats.depth} messages owed to Slack, the oldest for {age / 60:.0f} minutes: check that "
            "a replica is running and that Slack accepts the bot (its log says why each post waits)",
        )
    return Finding(True, f"Outbox: {stats.depth} messages owed to Slack, being delivered")


# --- the whole check -----------------------------------------------------------------------------------


async def run_check(
    settings: Settings | None = None, *, out: Printer = print, http: httpx.AsyncClient | None = None
) -> int:
    if settings is None:
        try:
            settings = load_settings()
        except ConfigurationError as error:
            out("Configuration is not valid:")
            for problem in error.problems:
                out(f"  ✗ {problem}")
            return 1
    register_settings_secrets(settings)
    findings = [Finding(False, problem) for problem in settings.problems("check")]
    if not findings:
        mode = "Socket Mode" if settings.socket_mode else "HTTP mode (Slack posts to /slack/events)"
        findings.append(Finding(True, f"Configuration: complete for {mode}"))
    for finding in findings:
        out(finding.line())

    def report(more: list[Finding]) -> None:
        findings.extend(more)
        for finding in more:
            out(finding.line())

    if http is None:
        async with httpx.AsyncClient() as own:
            report(await fivetran_findings(settings, own))
    else:
        report(await fivetran_findings(settings, http))
    if settings.hvr_hubs:
        report([Finding(ok, text) for ok, text in await hub_findings(settings)])
    if settings.slack_bot_token and settings.slack_bot_token.get_secret_value().startswith("xoxb-"):
        report(await slack_findings(settings))
    report(await database_findings(settings))
    ok = all(f.ok for f in findings)
    out(
        "All checks passed."
        if ok
        else "Some checks failed: fix the lines marked ✗ and run `hvr-bot check` again."
    )
    return 0 if ok else 1
