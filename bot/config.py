"""Settings: every variable of the contract, read from the environment, a `.env` file and a secrets directory.

Nothing here is read at import time; `load_settings()` is called by the command line and the tests pass
`Settings(...)` directly. Secrets are `SecretStr` so that a repr, a log line or a traceback shows `**********`.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from bot.source_config import (
    DEFAULT_FIVETRAN_URL,
    DEFAULT_HOURLY_LIMIT,
    HUB_REQUIRED,
    RESERVED_SOURCE_NAMES,
    SOURCE_NAME,
    SOURCE_NAME_RULE,
    AccountsSource,
    HvrHub,
    account_entries,
    describe_account_error,
    entry_name,
    keyed,
    missing_credential,
    missing_webhook_secret,
    single_account,
)
from bot.source_config import (
    FivetranAccount as FivetranAccount,  # re-exported: the accounts are part of the settings
)

Mode = Literal["serve", "shell", "check", "webhooks", "db"]

_SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")

DEFAULT_SECRETS_DIR = "/run/secrets"
# The single account's variables: with FIVETRAN_ACCOUNTS they are not used (`hvr-bot check` says so).
_SINGLE_ACCOUNT_FIELDS = (
    "fivetran_api_key",
    "fivetran_api_secret",
    "fivetran_api_url",
    "fivetran_webhook_secret",
    "fivetran_hourly_limit",
)


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _bad_positions(values: list[str], pattern: re.Pattern[str]) -> str | None:
    """ "item 3 is" / "items 2, 5 are": where the bad entries are, never what they are (a pasted secret
    must not be printed back)."""
    bad = [str(i) for i, v in enumerate(values, start=1) if not pattern.match(v)]
    if not bad:
        return None
    return f"item {bad[0]} is" if len(bad) == 1 else f"items {', '.join(bad)} are"


# The driver each accepted scheme runs on: the bot is async, so a plain scheme means its async driver.
_DATABASE_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def normalise_database_url(url: str) -> str:
    """`postgres://`, `postgresql://` → asyncpg, `sqlite:///` → aiosqlite; any other scheme is refused.

    The error names the scheme at most: the rest of a URL can hold a password.
    """
    match = _SCHEME.match(url)
    if match is None:
        raise ValueError("is not a database URL; use postgresql://user:password@host/db or sqlite:///path")
    scheme = match.group(1).lower()
    driver = _DATABASE_DRIVERS.get(scheme)
    if driver is None:
        raise ValueError(
            f"the scheme {scheme}:// is not supported; use postgresql://… (PostgreSQL) or sqlite:///… (SQLite)"
        )
    return driver + url[len(match.group(1)) :]


_PERIOD_PART = re.compile(r"([0-9]+)\s*([dhms])")
_PERIOD_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_period(value: str | int) -> timedelta:
    """`4h`, `90m`, `1h30m`, `45s`, `2d`, or bare seconds (`0`: off) as a timedelta; anything else is a
    ValueError whose words say what to write."""
    text = str(value).strip().lower()
    if text.isdigit():
        return timedelta(seconds=int(text))
    parts = _PERIOD_PART.findall(text)
    if not text or not parts or _PERIOD_PART.sub("", text).strip():
        raise ValueError("is not a period: write it like 4h, 90m, 1h30m or 45s (0 turns it off)")
    return timedelta(seconds=sum(int(n) * _PERIOD_UNITS[unit] for n, unit in parts))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    fivetran_api_key: SecretStr | None = None
    fivetran_api_secret: SecretStr | None = None
    fivetran_api_url: str = DEFAULT_FIVETRAN_URL
    fivetran_webhook_secret: SecretStr | None = None
    fivetran_hourly_limit: int = Field(default=DEFAULT_HOURLY_LIMIT, ge=1)
    # FIVETRAN_ACCOUNTS: the accounts it names, each read from its FIVETRAN_<NAME>_… variables at load
    # (bot/source_config.py); empty without it. What the bot manages is `accounts()`, which is never empty.
    fivetran_accounts: Annotated[dict[str, FivetranAccount], NoDecode] = Field(default_factory=dict)
    # HVR_HUBS: the HVR 6 hubs it names, each read from its HVR_HUB_<NAME>_… variables (section 8).
    hvr_hubs: Annotated[dict[str, HvrHub], NoDecode] = Field(default_factory=dict)

    database_url: str = "sqlite+aiosqlite:///./data/hvr-bot.db"

    hvr_timezone: str = "UTC"
    hvr_admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    hvr_operators: Annotated[list[str], NoDecode] = Field(default_factory=list)
    hvr_allowed_channels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    hvr_read_only: bool = False
    hvr_audit_channel: str | None = None
    hvr_resync_approval: bool = False
    hvr_watch_interval: int = Field(default=120, ge=0)
    # HVR_ALERT_RENOTIFY: `4h`, `90m`, `1h30m`, `45s`, `1d`, or bare seconds; `0` turns reminders off.
    hvr_alert_renotify: timedelta = timedelta(hours=4)

    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=1, le=65535)
    # serve's bounds against slow or hoarding clients (slowloris): seconds to receive a whole request,
    # seconds an idle keep-alive connection stays open, open connections before answering 503.
    hvr_request_timeout: float = Field(default=10.0, gt=0)
    hvr_keep_alive_timeout: int = Field(default=5, ge=1)
    hvr_max_connections: int = Field(default=1000, ge=1)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First: the named accounts' list replaces FIVETRAN_ACCOUNTS's bare names wherever they came from.
        accounts = AccountsSource(settings_cls, init_settings, dotenv_settings, file_secret_settings)
        return accounts, init_settings, env_settings, dotenv_settings, file_secret_settings

    @field_validator("fivetran_accounts", mode="before")
    @classmethod
    def _accounts_by_name(cls, value: object) -> object:
        entries = account_entries(value)
        if entries is None:
            return value
        _check_names([entry_name(entry) for entry in entries], "account")
        return keyed(entries)

    @field_validator("hvr_hubs", mode="before")
    @classmethod
    def _hubs_by_name(cls, value: object) -> object:
        entries = account_entries(value)
        if entries is None:
            return value
        _check_names([entry_name(entry) for entry in entries], "hub")
        return keyed(entries, HUB_REQUIRED)

    @model_validator(mode="after")
    def _names_unique_over_kinds(self) -> Settings:
        both = sorted(set(self.fivetran_accounts) & set(self.hvr_hubs))
        if both:
            raise ValueError(
                f"HVR_HUBS: {', '.join(both)} also in FIVETRAN_ACCOUNTS: a source name names one account "
                "or one hub, never both"
            )
        return self

    @field_validator("hvr_admins", "hvr_operators", "hvr_allowed_channels", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("hvr_admins", "hvr_operators")
    @classmethod
    def _user_or_group_ids(cls, value: list[str]) -> list[str]:
        where = _bad_positions(value, _SLACK_ID)
        if where:
            raise ValueError(
                f"{where} not a Slack user ID (U…) or user-group ID (S…); "
                "copy IDs from a profile's ⋮ menu → Copy member ID"
            )
        return value

    @field_validator("hvr_allowed_channels")
    @classmethod
    def _channel_ids(cls, value: list[str]) -> list[str]:
        where = _bad_positions(value, _CHANNEL_ID)
        if where:
            raise ValueError(f"{where} not a channel ID (C…/G…); open the channel's details to copy its ID")
        return value

    @field_validator("hvr_alert_renotify", mode="before")
    @classmethod
    def _renotify_period(cls, value: object) -> object:
        return parse_period(value) if isinstance(value, str | int) else value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("hvr_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Berlin or UTC") from None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("fivetran_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def hubs_only(self) -> bool:
        """Hubs are configured and no Fivetran account is: the bot then manages the hubs alone."""
        key = self.fivetran_api_key
        return (
            bool(self.hvr_hubs) and not self.fivetran_accounts and (key is None or not key.get_secret_value())
        )

    def hubs(self) -> list[HvrHub]:
        return list(self.hvr_hubs.values())

    def accounts(self) -> list[FivetranAccount]:
        """The Fivetran accounts the bot manages: those FIVETRAN_ACCOUNTS names, else the one account of the
        un-prefixed variables, named `fivetran` (built from the fields now, so a `model_copy` is followed);
        none when only hubs are configured."""
        if self.fivetran_accounts:
            return list(self.fivetran_accounts.values())
        if self.hubs_only:
            return []
        return [
            single_account(
                self.fivetran_api_key,
                self.fivetran_api_secret,
                self.fivetran_api_url,
                self.fivetran_webhook_secret,
                self.fivetran_hourly_limit,
            )
        ]

    def unused_fivetran_variables(self) -> list[str]:
        """The un-prefixed FIVETRAN_… variables that are set although FIVETRAN_ACCOUNTS makes them unused."""
        if not self.fivetran_accounts:
            return []
        return [name.upper() for name in _SINGLE_ACCOUNT_FIELDS if name in self.model_fields_set]

    def problems(self, mode: Mode, *, demo: bool = False) -> list[str]:
        """What is missing or wrong for `mode`, each in words a person can act on."""
        found: list[str] = []
        needs_fivetran = not demo and not self.hubs_only and mode in ("serve", "shell", "check", "webhooks")
        # A named account's credentials were required at load: only the single account can lack them here.
        if needs_fivetran and not self.fivetran_accounts:
            for name, value in (
                ("FIVETRAN_API_KEY", self.fivetran_api_key),
                ("FIVETRAN_API_SECRET", self.fivetran_api_secret),
            ):
                if value is None or not value.get_secret_value():
                    found.append(
                        missing_credential(name)
                        + (
                            ", or run `hvr-bot shell --demo` to try the bot on a simulated account"
                            if mode == "shell"
                            else ""
                        )
                        # said once, on the first line: a bot may run HVR hubs alone
                        + (
                            "; a bot for HVR 6 hubs only sets HVR_HUBS instead"
                            if name == "FIVETRAN_API_KEY"
                            else ""
                        )
                    )
        if mode in ("serve", "check"):
            if self.slack_bot_token is None or not self.slack_bot_token.get_secret_value():
                found.append(
                    "SLACK_BOT_TOKEN is not set: install the app to your workspace and copy the "
                    "Bot User OAuth Token (xoxb-…) from OAuth & Permissions"
                )
            elif not self.slack_bot_token.get_secret_value().startswith("xoxb-"):
                found.append("SLACK_BOT_TOKEN does not start with xoxb-: use the Bot User OAuth Token")
            if not self.socket_mode and (
                self.slack_signing_secret is None or not self.slack_signing_secret.get_secret_value()
            ):
                found.append(
                    "SLACK_SIGNING_SECRET is not set: copy it from Basic Information → App Credentials "
                    "(or set SLACK_APP_TOKEN to use Socket Mode)"
                )
            if self.slack_app_token is not None and not self.slack_app_token.get_secret_value().startswith(
                "xapp-"
            ):
                found.append(
                    "SLACK_APP_TOKEN does not start with xapp-: create an app-level token with "
                    "connections:write under Basic Information"
                )
        # With FIVETRAN_ACCOUNTS the secret needed is the one of the account `webhooks --source` names.
        if mode == "webhooks" and not self.fivetran_accounts and self.fivetran_webhook_secret is None:
            found.append(missing_webhook_secret("FIVETRAN_WEBHOOK_SECRET"))
        return found


def describe_validation_error(error: ValidationError) -> list[str]:
    """Turn pydantic's error list into one plain line per variable, never echoing a value."""
    lines = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        in_account = describe_account_error(item["loc"], item["type"], message)
        if in_account is not None:
            lines.append(in_account)
            continue
        if not item["loc"]:  # a check over several variables says which itself
            lines.append(message)
            continue
        name = ".".join(str(p) for p in item["loc"]).upper()
        lines.append(f"{name}: {message}")
    return lines


def _check_names(names: list[str], kind: str) -> None:
    where = _bad_positions(names, SOURCE_NAME)
    if where:
        raise ValueError(f"{where} not a source name: use {SOURCE_NAME_RULE}")
    taken = sorted({name for name in names if name in RESERVED_SOURCE_NAMES})
    if taken:
        # `group:x` is a selector term, so a source named `group` could never be typed as `group:x`
        raise ValueError(
            f"{', '.join(taken)} can't name a source: it is a selector word "
            f"({', '.join(sorted(RESERVED_SOURCE_NAMES))}); pick another name"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        verb = "is" if len(repeated) == 1 else "are each"
        raise ValueError(f"{', '.join(repeated)} {verb} named twice: every {kind} needs a name of its own")


class ConfigurationError(Exception):
    """Raised with every problem at once, so that a person fixes them in one go."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def load_settings(env_file: str | Path | None = ".env", **overrides: object) -> Settings:
    secrets_dir = os.environ.get("HVR_SECRETS_DIR", DEFAULT_SECRETS_DIR)
    kwargs: dict[str, object] = {"_env_file": env_file}
    if Path(secrets_dir).is_dir():
        kwargs["_secrets_dir"] = secrets_dir
    try:
        return Settings(**kwargs, **overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigurationError(describe_validation_error(error)) from None
