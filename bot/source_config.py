"""The sources of the configuration (DESIGN section 8): Fivetran accounts and HVR 6 hubs, their names and
the variables each reads.

`FIVETRAN_ACCOUNTS=prod,staging` makes the account `staging` read `FIVETRAN_STAGING_API_KEY` and the rest.
Those names are not known before `FIVETRAN_ACCOUNTS` is read, so they cannot be fields of `Settings`;
`AccountsSource` reads them with a small settings class of their own under the account's prefix, from the
same environment, `.env` file and secrets directory as every other variable: the same rules because the same
code (an environment variable wins over `/run/secrets/fivetran_staging_api_key`). `HVR_HUBS=east` makes the
hub `east` read `HVR_HUB_EAST_URL`, `…_USERNAME`, `…_PASSWORD` (`/run/secrets/hvr_hub_east_password`) the same way.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from bot.keys import DEFAULT_SOURCE

SOURCE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
# The selector's words: `source:x`, `group:x` … are selector terms, so none of them can name a source.
RESERVED_SOURCE_NAMES = frozenset({"group", "status", "service", "source"})
SOURCE_NAME_RULE = "lower-case letters, digits and '-', starting with a letter (prod, eu-west)"
DEFAULT_FIVETRAN_URL = "https://api.fivetran.com"
# The account's hourly request limit (20,000 on paid plans, 500 on trial): the client-side budget.
DEFAULT_HOURLY_LIMIT = 20_000
SINGLE_PREFIX = "FIVETRAN_"
ACCOUNTS_FIELD = "fivetran_accounts"
CREDENTIALS = ("api_key", "api_secret")
HUBS_FIELD = "hvr_hubs"
HUB_PREFIX = "HVR_HUB_"
HUB_REQUIRED = ("url", "username", "password")
DEFAULT_HUB_API_VERSION = "latest"


def account_prefix(name: str) -> str:
    """`FIVETRAN_EU_WEST_` for the account `eu-west`: names hold no `_`, so no two accounts share one."""
    return f"{SINGLE_PREFIX}{name.upper().replace('-', '_')}_"


def hub_prefix(name: str) -> str:
    """`HVR_HUB_ON_PREM_` for the hub `on-prem`."""
    return f"{HUB_PREFIX}{name.upper().replace('-', '_')}_"


def missing_hub_variable(variable: str) -> str:
    return (
        f"{variable} is not set: every hub in HVR_HUBS needs its Hub Server URL, a user name and a password "
        "(a hub user with at least ReadExec access on the hub)"
    )


def missing_credential(variable: str) -> str:
    return (
        f"{variable} is not set: create an API key in Fivetran (Account settings → API key, "
        "or a system key) and set it in the environment or .env"
    )


def missing_webhook_secret(variable: str) -> str:
    return (
        f"{variable} is not set: choose a long random string; Fivetran signs "
        "deliveries with it and the bot refuses unsigned ones"
    )


class FivetranAccount(BaseModel):
    """One Fivetran account the bot manages: the source `name`, and what its client needs."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=SOURCE_NAME.pattern)
    api_key: SecretStr
    api_secret: SecretStr
    api_url: str = DEFAULT_FIVETRAN_URL
    webhook_secret: SecretStr | None = None
    hourly_limit: int = Field(default=DEFAULT_HOURLY_LIMIT, ge=1)
    # Where its variables are: `FIVETRAN_` for the single account, `FIVETRAN_<NAME>_` under FIVETRAN_ACCOUNTS.
    env_prefix: str = ""

    @model_validator(mode="before")
    @classmethod
    def _prefix_from_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("env_prefix") and isinstance(data.get("name"), str):
            return {**data, "env_prefix": account_prefix(data["name"])}
        return data

    @field_validator("api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def variable(self, field: str) -> str:
        """The environment variable of one of its fields: `FIVETRAN_STAGING_API_KEY`."""
        return self.env_prefix + field.upper()

    @property
    def single(self) -> bool:
        """The account of the un-prefixed variables (no FIVETRAN_ACCOUNTS)."""
        return self.env_prefix == SINGLE_PREFIX

    @property
    def webhook_path(self) -> str:
        """Where serve receives this account's webhooks (section 8: one route per named account)."""
        return "/fivetran/webhook" if self.single else f"/fivetran/webhook/{self.name}"


class HvrHub(BaseModel):
    """One HVR 6 hub the bot manages: the source `name`, where its Hub Server is and how to log in."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=SOURCE_NAME.pattern)
    url: str
    username: str
    password: SecretStr
    hub: str = ""  # the hub's name on that server; the source name when not set
    api_version: str = DEFAULT_HUB_API_VERSION

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                "is not an http(s) URL: use the Hub Server's base URL, e.g. https://hvr.example.com:4341"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _hub_defaults_to_name(self) -> HvrHub:
        if not self.hub:
            object.__setattr__(self, "hub", self.name)
        return self

    def variable(self, field: str) -> str:
        return hub_prefix(self.name) + field.upper()


def single_account(
    api_key: SecretStr | None,
    api_secret: SecretStr | None,
    api_url: str,
    webhook_secret: SecretStr | None,
    hourly_limit: int,
) -> FivetranAccount:
    """The account of the un-prefixed variables, named `fivetran`; a credential not set is empty (the
    settings' `problems()` say so, and `--demo` and the tests run without one)."""
    return FivetranAccount(
        name=DEFAULT_SOURCE,
        api_key=api_key or SecretStr(""),
        api_secret=api_secret or SecretStr(""),
        api_url=api_url,
        webhook_secret=webhook_secret,
        hourly_limit=hourly_limit,
        env_prefix=SINGLE_PREFIX,
    )


def split_names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def account_entries(value: object) -> list[Any] | None:
    """FIVETRAN_ACCOUNTS's list, from `AccountsSource` or given to `Settings(...)`; None when already keyed."""
    if isinstance(value, str):
        return [{"name": name} for name in split_names(value)]
    return list(value) if isinstance(value, (list, tuple)) else None


def entry_name(entry: Any) -> str:
    return entry.name if isinstance(entry, FivetranAccount | HvrHub) else str(entry.get("name", ""))


def keyed(entries: list[Any], required: tuple[str, ...] = CREDENTIALS) -> dict[str, Any]:
    """{name: entry}, the names already checked: a validation error then names the source in its place."""
    # An empty variable (FIVETRAN_STAGING_API_KEY=) is as good as none: it is reported as not set.
    return {
        entry_name(e): e
        if isinstance(e, FivetranAccount | HvrHub)
        else {k: v for k, v in e.items() if not (k in required and v == "")}
        for e in entries
    }


def describe_account_error(loc: tuple[int | str, ...], kind: str, message: str) -> str | None:
    """The line for a validation error inside one named account, naming its variable; None for others."""
    if len(loc) < 3 or loc[0] not in (ACCOUNTS_FIELD, HUBS_FIELD):
        return None
    if loc[0] == HUBS_FIELD:
        variable = hub_prefix(str(loc[1])) + str(loc[2]).upper()
        return missing_hub_variable(variable) if kind == "missing" else f"{variable}: {message}"
    variable = account_prefix(str(loc[1])) + str(loc[2]).upper()
    if kind == "missing":
        return missing_credential(variable)
    return f"{variable}: {message}"


class _Names(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, env_file_encoding="utf-8")

    fivetran_accounts: str | None = None
    hvr_hubs: str | None = None


class _HubVariables(BaseSettings):
    """One hub's variables under its prefix, as text: `HvrHub` validates them."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, env_file_encoding="utf-8")

    url: str | None = None
    username: str | None = None
    password: str | None = None
    hub: str | None = None
    api_version: str | None = None


class _AccountVariables(BaseSettings):
    """One account's variables under its prefix, as text: `FivetranAccount` validates them."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, env_file_encoding="utf-8")

    api_key: str | None = None
    api_secret: str | None = None
    api_url: str | None = None
    webhook_secret: str | None = None
    hourly_limit: str | None = None


class AccountsSource(PydanticBaseSettingsSource):
    """Gives `fivetran_accounts` the list of the accounts FIVETRAN_ACCOUNTS names, each with its variables,
    and `hvr_hubs` the hubs HVR_HUBS names.

    It reads where the settings' own sources read (their `.env` file and secrets directory), and gives way
    to sources passed to `Settings(...)` as objects; a name string passed there is read like the variable.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        init: PydanticBaseSettingsSource,
        dotenv: PydanticBaseSettingsSource,
        secrets: PydanticBaseSettingsSource,
    ) -> None:
        super().__init__(settings_cls)
        given = init.init_kwargs if isinstance(init, InitSettingsSource) else {}
        self._given = given.get(ACCOUNTS_FIELD)
        self._given_hubs = given.get(HUBS_FIELD)
        self._where: dict[str, Any] = {
            "_env_file": dotenv.env_file if isinstance(dotenv, DotEnvSettingsSource) else None,
            "_secrets_dir": secrets.secrets_dir if isinstance(secrets, SecretsSettingsSource) else None,
        }

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # all the work is in __call__: one field, built from many variables

    def __call__(self) -> dict[str, Any]:
        named = _Names(**self._where)
        found: dict[str, Any] = {}
        accounts = self._read(self._given, named.fivetran_accounts, _AccountVariables, account_prefix)
        if accounts is not None:
            found[ACCOUNTS_FIELD] = accounts
        hubs = self._read(self._given_hubs, named.hvr_hubs, _HubVariables, hub_prefix)
        if hubs is not None:
            found[HUBS_FIELD] = hubs
        return found

    def _read(
        self, given: Any, variable: str | None, cls: type[BaseSettings], prefix: Any
    ) -> list[dict[str, Any]] | None:
        if given is not None and not isinstance(given, str):
            return None
        names = given if isinstance(given, str) else variable
        if not names or not split_names(names):
            return None
        entries = []
        for name in split_names(names):
            values = cls(_env_prefix=prefix(name), **self._where)
            entries.append({"name": name, **values.model_dump(exclude_none=True)})
        return entries
