"""`hvr-bot check` tells a person what is wrong, in plain words, and exits non-zero."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import respx
import yaml

from bot.check import REQUIRED_SCOPES, run_check
from bot.config import Settings
from bot.slack_double import SlackDouble
from bot.slack_double.directory import Identity
from bot.storage.migrate import upgrade
from tests.db_fixtures import empty_postgres_url, postgres_server  # noqa: F401 (fixtures)

FT = "https://api.fivetran.test"
TOKEN = "xoxb-check"
ROOT = Path(__file__).resolve().parents[1]


def _settings(tmp_path: Path, **extra: object) -> Settings:
    base: dict[str, object] = {
        "_env_file": None,
        "fivetran_api_url": FT,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    }
    base.update(extra)
    return Settings(**base)  # type: ignore[arg-type]


async def _check(settings: Settings) -> tuple[int, str]:
    lines: list[str] = []
    code = await run_check(settings, out=lines.append)
    return code, "\n".join(lines)


def _fivetran_answers(*, webhooks: list[dict[str, Any]] | None = None, list_status: int = 200) -> None:
    respx.get(f"{FT}/v1/account/info").respond(
        json={"code": "Success", "data": {"account_id": "a1", "account_name": "Acme", "user_id": "u1"}}
    )
    respx.get(f"{FT}/v1/connections").respond(
        list_status,
        json={"code": "Success", "data": {"items": []}}
        if list_status == 200
        else {"code": "Forbidden", "message": "no"},
    )
    respx.get(f"{FT}/v1/webhooks").respond(json={"code": "Success", "data": {"items": webhooks or []}})


@pytest.fixture
async def slack() -> AsyncIterator[SlackDouble]:
    async with SlackDouble(bot_token=TOKEN) as double:
        respx.route(host="127.0.0.1").pass_through()
        yield double


async def _migrated(tmp_path: Path) -> None:
    await upgrade(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")


async def test_missing_credentials_are_listed_and_fail(tmp_path: Path) -> None:
    code, text = await _check(_settings(tmp_path))
    assert code == 1
    assert "FIVETRAN_API_KEY is not set" in text
    assert "SLACK_BOT_TOKEN is not set" in text
    assert text.endswith("run `hvr-bot check` again.")


@respx.mock
async def test_a_rejected_fivetran_key_is_named_and_fails(tmp_path: Path) -> None:
    respx.get(f"{FT}/v1/account/info").respond(401, json={"code": "AuthFailed", "message": "Unauthorized"})
    code, text = await _check(_settings(tmp_path, fivetran_api_key="k", fivetran_api_secret="wrong"))
    assert code == 1
    assert "Fivetran did not accept FIVETRAN_API_KEY / FIVETRAN_API_SECRET" in text
    assert "wrong" not in text


@respx.mock
async def test_everything_in_order_passes_with_exit_0(tmp_path: Path, slack: SlackDouble) -> None:
    await _migrated(tmp_path)
    _fivetran_answers()
    settings = _settings(
        tmp_path,
        fivetran_api_key="k",
        fivetran_api_secret="s",
        slack_bot_token=TOKEN,
        slack_signing_secret="sig",
        slack_api_url=slack.api_url,
    )

    code, text = await _check(settings)

    assert code == 0, text
    assert "  ✓ Fivetran: connected to account Acme with a user key" in text
    assert "✓ Fivetran: the key may list connections" in text
    assert "✓ Slack: the token has every scope the manifest asks for" in text
    assert "is reachable and its schema is current" in text
    assert "· Fivetran webhook: FIVETRAN_WEBHOOK_SECRET is not set" in text
    assert text.endswith("All checks passed.")


@respx.mock
async def test_a_key_that_may_not_list_connections_is_named(tmp_path: Path) -> None:
    await _migrated(tmp_path)
    _fivetran_answers(list_status=403)

    code, text = await _check(_settings(tmp_path, fivetran_api_key="k", fivetran_api_secret="s"))

    assert code == 1
    assert "✗ Fivetran: this key may not list connections" in text


@respx.mock
async def test_missing_slack_scopes_are_named(tmp_path: Path, slack: SlackDouble) -> None:
    slack.identity = Identity(scopes=("commands", "chat:write"))
    settings = _settings(
        tmp_path, slack_bot_token=TOKEN, slack_signing_secret="sig", slack_api_url=slack.api_url
    )

    code, text = await _check(settings)

    assert code == 1
    assert (
        "✗ Slack: the token lacks the scopes chat:write.public, usergroups:read, links:read, links:write, users:read"
        in text
    )


def test_the_scopes_checked_are_the_manifests() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == REQUIRED_SCOPES


async def test_a_postgresql_schema_behind_says_to_run_db_upgrade(
    empty_postgres_url: str,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    code, text = await _check(_settings(tmp_path, database_url=empty_postgres_url))

    assert code == 1
    assert "✗ Database:" in text and "is at schema revision none (empty)" in text
    assert "Run `hvr-bot db upgrade`" in text


async def test_an_unreachable_database_is_named(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/nothing"

    code, text = await _check(_settings(tmp_path, database_url=url))

    assert code == 1
    assert "✗ Database: postgresql+asyncpg://nobody@127.0.0.1:1/nothing can't be reached" in text


async def test_a_sqlite_file_that_does_not_exist_yet_is_fine_and_not_created(tmp_path: Path) -> None:
    code, text = await _check(_settings(tmp_path))

    assert "✓ Database: SQLite file" in text and "does not exist yet" in text
    assert not (tmp_path / "bot.db").exists()
    assert code == 1  # the credentials are still missing


@respx.mock
async def test_a_webhook_secret_without_a_registered_webhook_fails(tmp_path: Path) -> None:
    await _migrated(tmp_path)
    _fivetran_answers()
    settings = _settings(tmp_path, fivetran_api_key="k", fivetran_api_secret="s", fivetran_webhook_secret="w")

    code, text = await _check(settings)

    assert code == 1
    assert "✗ Fivetran webhook: FIVETRAN_WEBHOOK_SECRET is set but no account webhook is registered" in text


@respx.mock
async def test_an_active_account_webhook_passes_and_an_inactive_one_fails(tmp_path: Path) -> None:
    await _migrated(tmp_path)
    hook = {
        "id": "wh1",
        "type": "account",
        "url": "https://bot.example/fivetran/webhook",
        "events": ["sync_end"],
    }
    _fivetran_answers(webhooks=[{**hook, "active": True}])
    settings = _settings(tmp_path, fivetran_api_key="k", fivetran_api_secret="s", fivetran_webhook_secret="w")
    assert (
        "✓ Fivetran webhook: wh1 is active and sends to https://bot.example/fivetran/webhook"
        in (await _check(settings))[1]
    )

    _fivetran_answers(webhooks=[{**hook, "active": False}])
    code, text = await _check(settings)
    assert code == 1 and "is registered but not active" in text


def test_the_cli_reports_invalid_configuration(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("HVR_TIMEZONE", "Nowhere/Land")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "HVR_TIMEZONE" in out and "IANA time zone" in out


async def test_a_sqlite_file_that_existed_and_vanished_fails_saying_how_to_start_fresh(
    tmp_path: Path,
) -> None:
    await _migrated(tmp_path)
    (tmp_path / "bot.db").unlink()

    code, text = await _check(_settings(tmp_path))

    assert "✗ Database: The SQLite database" in text and "is gone" in text
    assert "`hvr-bot db upgrade`" in text
    assert not (tmp_path / "bot.db").exists()
    assert code == 1


def _cli(command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> int:
    """`hvr-bot <command>` in an empty directory, with no secrets directory and `env` set."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HVR_SECRETS_DIR", str(tmp_path / "no-secrets"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return main([command])


@pytest.mark.parametrize("command", ["check", "serve"])
def test_an_unsupported_database_url_stops_check_and_serve_with_exit_1_and_no_traceback(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _cli(command, monkeypatch, tmp_path, DATABASE_URL="mysql://bot:hunter2pw@db/hvr") == 1
    captured = capsys.readouterr()
    assert "DATABASE_URL: the scheme mysql:// is not supported" in captured.out
    assert "hunter2pw" not in captured.out + captured.err
    assert "Traceback" not in captured.out + captured.err


@pytest.mark.parametrize("command", ["check", "serve"])
def test_a_bad_admin_id_stops_check_and_serve_naming_its_position(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _cli(command, monkeypatch, tmp_path, HVR_ADMINS="U123ABC,S0GROUP1,fivetran-secret-pasted") == 1
    out = capsys.readouterr().out
    assert "HVR_ADMINS: item 3 is not a Slack user ID" in out
    assert "fivetran-secret-pasted" not in out


async def test_the_doctor_reports_an_outbox_stuck_past_its_threshold(tmp_path: Path) -> None:
    from datetime import timedelta

    from bot.check import outbox_finding
    from bot.storage.db import Database
    from bot.storage.migrate import upgrade
    from bot.storage.outbox import OutboxRepo
    from tests.fakes import FakeClock

    url = f"sqlite+aiosqlite:///{tmp_path}/hvr-bot.db"
    await upgrade(url)
    clock = FakeClock()
    assert (await outbox_finding(url, now=clock)).ok
    database = Database(url)
    await OutboxRepo(database, clock=clock).enqueue(
        channel="C1", action="post", origin="alert", text="x", blocks=[]
    )
    await database.dispose()

    clock.advance(timedelta(minutes=5).total_seconds())
    assert (await outbox_finding(url, now=clock)).ok
    clock.advance(timedelta(minutes=20).total_seconds())
    stuck = await outbox_finding(url, now=clock)
    assert not stuck.ok and "1 messages owed" in stuck.line() and "25 minutes" in stuck.line()
