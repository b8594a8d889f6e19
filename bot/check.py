"""`hvr-bot check`: is this bot set up to run? Answers in plain words; exit 0 only when all is well."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigurationError, Settings, load_settings
from bot.fivetran import FivetranError, Forbidden, TransportError, Unauthorized
from bot.fivetran.factory import client_from_settings
from bot.fivetran.retry import RetryPolicy

Printer = Callable[[str], None]


async def check_fivetran(settings: Settings, http: httpx.AsyncClient) -> tuple[bool, str]:
    client = client_from_settings(settings, http, retry=RetryPolicy(max_attempts=2, base_delay=0.2))
    try:
        info = await client.account_info()
    except Unauthorized:
        return False, (
            "Fivetran did not accept FIVETRAN_API_KEY / FIVETRAN_API_SECRET: check both values "
            "(a regenerated key disables the old one)"
        )
    except Forbidden as error:
        return False, f"Fivetran refused the account info for this key: {error.message}"
    except TransportError as error:
        return False, f"could not reach Fivetran at {settings.fivetran_api_url}: {error.message}"
    except FivetranError as error:
        return False, f"Fivetran answered with a problem: {error.message}"
    who = info.account_name or info.account_id
    key_kind = "system key" if info.system_key_id else "user key"
    return True, f"Fivetran: connected to account {who} with a {key_kind}"


async def check_slack(settings: Settings) -> tuple[bool, str]:
    assert settings.slack_bot_token is not None
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error", "unknown_error") if error.response is not None else "unknown_error"
        if code in ("invalid_auth", "not_authed", "token_revoked", "account_inactive"):
            return (
                False,
                f"Slack did not accept SLACK_BOT_TOKEN ({code}): reinstall the app and copy the token",
            )
        return False, f"Slack answered auth.test with an error: {code}"
    except Exception as error:  # aiohttp raises its own connection errors
        return False, f"could not reach Slack at {settings.slack_api_url}: {type(error).__name__}"
    return (
        True,
        f"Slack: connected to {answer.get('team', 'the workspace')} as {answer.get('user', 'the bot')}",
    )


async def run_check(settings: Settings | None = None, *, out: Printer = print) -> int:
    if settings is None:
        try:
            settings = load_settings()
        except ConfigurationError as error:
            out("Configuration is not valid:")
            for problem in error.problems:
                out(f"  ✗ {problem}")
            return 1
    problems = settings.problems("check")
    for problem in problems:
        out(f"  ✗ {problem}")
    ok = not problems
    if settings.fivetran_api_key and settings.fivetran_api_secret:
        async with httpx.AsyncClient() as http:
            fivetran_ok, line = await check_fivetran(settings, http)
        out(f"  {'✓' if fivetran_ok else '✗'} {line}")
        ok = ok and fivetran_ok
    if settings.slack_bot_token and settings.slack_bot_token.get_secret_value().startswith("xoxb-"):
        slack_ok, line = await check_slack(settings)
        out(f"  {'✓' if slack_ok else '✗'} {line}")
        ok = ok and slack_ok
    out(
        "All checks passed."
        if ok
        else "Some checks failed: fix the lines marked ✗ and run `hvr-bot check` again."
    )
    return 0 if ok else 1
