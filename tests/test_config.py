"""Settings: every contract variable, plain-words validation, secrets that never print."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigurationError, Settings, load_settings

CONTRACT = [
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "FIVETRAN_API_KEY",
    "FIVETRAN_API_SECRET",
    "FIVETRAN_API_URL",
    "FIVETRAN_WEBHOOK_SECRET",
    "DATABASE_URL",
    "HVR_TIMEZONE",
    "HVR_ADMINS",
    "HVR_OPERATORS",
    "HVR_ALLOWED_CHANNELS",
    "HVR_READ_ONLY",
    "HVR_AUDIT_CHANNEL",
    "HVR_RESYNC_APPROVAL",
    "HVR_WATCH_INTERVAL",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [*CONTRACT, "HOST", "PORT", "HVR_SECRETS_DIR"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout


def test_every_contract_variable_is_a_setting() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    assert set(CONTRACT) <= fields


def test_defaults_match_the_contract() -> None:
    s = load_settings(env_file=None)
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.fivetran_api_url == "https://api.fivetran.com"
    assert s.database_url.startswith("sqlite+aiosqlite:///") and "/data/" in s.database_url
    assert s.hvr_timezone == "UTC"
    assert s.hvr_watch_interval == 120
    assert s.hvr_read_only is False and s.hvr_resync_approval is False
    assert s.hvr_admins == [] and s.hvr_allowed_channels == []
    assert (s.host, s.port) == ("127.0.0.1", 3000)


def test_comma_separated_ids_are_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVR_ADMINS", "U123ABC, S0GROUP1")
    monkeypatch.setenv("HVR_ALLOWED_CHANNELS", "C111,C222")
    s = load_settings(env_file=None)
    assert s.hvr_admins == ["U123ABC", "S0GROUP1"]
    assert s.hvr_allowed_channels == ["C111", "C222"]


def _problems(monkeypatch: pytest.MonkeyPatch, **env: str) -> list[str]:
    """What loading the settings says with `env` set (it must refuse)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env_file=None)
    return caught.value.problems


def test_bad_values_are_reported_together_in_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n".join(
        _problems(
            monkeypatch, HVR_ADMINS="ana@example.com", HVR_TIMEZONE="Mars/Olympus", HVR_WATCH_INTERVAL="-5"
        )
    )
    assert "HVR_ADMINS" in text and "not a Slack user ID" in text
    assert "HVR_TIMEZONE" in text and "IANA time zone" in text
    assert "HVR_WATCH_INTERVAL" in text


def test_missing_credentials_name_the_variable_and_what_to_do() -> None:
    problems = Settings().problems("serve")
    assert any(p.startswith("FIVETRAN_API_KEY is not set: create an API key") for p in problems)
    assert any(p.startswith("SLACK_BOT_TOKEN is not set") for p in problems)
    assert any(p.startswith("SLACK_SIGNING_SECRET is not set") for p in problems)
    # the alternative is said once, not on every Fivetran line
    assert sum("sets HVR_HUBS instead" in p for p in problems) == 1


def test_demo_needs_no_configuration() -> None:
    assert Settings().problems("shell", demo=True) == []


def test_socket_mode_needs_no_signing_secret() -> None:
    s = Settings(
        slack_bot_token="xoxb-1",
        slack_app_token="xapp-1",
        fivetran_api_key="k",
        fivetran_api_secret="s",
    )
    assert s.socket_mode
    assert s.problems("serve") == []


def test_secrets_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIVETRAN_API_SECRET", "very-secret-value")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-secret-value")
    s = load_settings(env_file=None)
    assert "very-secret-value" not in repr(s) and "very-secret-value" not in str(s.model_dump())
    assert "signing-secret-value" not in repr(s)


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("FIVETRAN_API_KEY=from-dotenv\nHVR_READ_ONLY=true\n")
    s = load_settings()
    assert s.fivetran_api_key is not None and s.fivetran_api_key.get_secret_value() == "from-dotenv"
    assert s.hvr_read_only is True


def test_a_secrets_directory_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "fivetran_api_secret").write_text("from-a-file")
    monkeypatch.setenv("HVR_SECRETS_DIR", str(secrets))
    s = load_settings(env_file=None)
    assert s.fivetran_api_secret is not None and s.fivetran_api_secret.get_secret_value() == "from-a-file"


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://bot:pw@db:5432/hvr", "postgresql+asyncpg://bot:pw@db:5432/hvr"),
        ("postgres://bot:pw@db/hvr", "postgresql+asyncpg://bot:pw@db/hvr"),
        ("postgresql+asyncpg://bot:pw@db/hvr", "postgresql+asyncpg://bot:pw@db/hvr"),
        ("sqlite:///./data/bot.db", "sqlite+aiosqlite:///./data/bot.db"),
        ("sqlite+aiosqlite:////var/lib/bot.db", "sqlite+aiosqlite:////var/lib/bot.db"),
    ],
)
def test_plain_postgres_and_sqlite_urls_run_on_the_async_drivers(
    monkeypatch: pytest.MonkeyPatch, given: str, used: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert load_settings(env_file=None).database_url == used


@pytest.mark.parametrize(
    "url", ["mysql://bot:hunter2pw@db/hvr", "postgresql+psycopg2://bot:hunter2pw@db/hvr", "hunter2pw"]
)
def test_an_unsupported_database_url_is_refused_naming_the_variable_not_the_password(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    [problem] = _problems(monkeypatch, DATABASE_URL=url)
    assert problem.startswith("DATABASE_URL: ")
    assert "postgresql://" in problem and "sqlite:///" in problem
    assert "hunter2pw" not in problem


def test_a_bad_admin_id_is_named_by_its_position_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = _problems(
        monkeypatch,
        HVR_ADMINS="U123ABC, S0GROUP1, xoxb-pasted-secret-123",
        HVR_OPERATORS="oops1,U123ABC,oops2",
        HVR_ALLOWED_CHANNELS="C111,#general",
    )
    text = "\n".join(problems)
    assert "HVR_ADMINS: item 3 is not a Slack user ID (U…) or user-group ID (S…)" in text
    assert "HVR_OPERATORS: items 1, 3 are not a Slack user ID" in text
    assert "HVR_ALLOWED_CHANNELS: item 2 is not a channel ID" in text
    for value in ("xoxb-pasted-secret-123", "oops1", "oops2", "#general"):
        assert value not in text


@pytest.mark.parametrize(
    ("raw", "period"),
    [
        ("4h", timedelta(hours=4)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("45s", timedelta(seconds=45)),
        ("2d", timedelta(days=2)),
        ("600", timedelta(minutes=10)),
        ("0", timedelta(0)),
    ],
)
def test_the_renotify_period_reads_like_a_duration(
    monkeypatch: pytest.MonkeyPatch, raw: str, period: timedelta
) -> None:
    monkeypatch.setenv("HVR_ALERT_RENOTIFY", raw)
    assert load_settings(env_file=None).hvr_alert_renotify == period


def test_renotify_defaults_to_four_hours() -> None:
    assert load_settings(env_file=None).hvr_alert_renotify == timedelta(hours=4)


@pytest.mark.parametrize("raw", ["soon", "4 hours", "-1h", "h", "4x"])
def test_a_bad_renotify_period_is_a_configuration_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("HVR_ALERT_RENOTIFY", raw)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env_file=None)
    (line,) = caught.value.problems
    assert line.startswith("HVR_ALERT_RENOTIFY: is not a period: write it like 4h")
    assert "soon" not in line  # the value is never echoed
