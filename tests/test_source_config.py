"""FIVETRAN_ACCOUNTS: several Fivetran accounts, each read from its FIVETRAN_<NAME>_ variables (DESIGN 8)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.config import ConfigurationError, FivetranAccount, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("FIVETRAN_", "HVR_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout


def _env(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _problems(monkeypatch: pytest.MonkeyPatch, **env: str) -> list[str]:
    """What loading the settings says with `env` set (it must refuse)."""
    _env(monkeypatch, **env)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env_file=None)
    return caught.value.problems


TWO = {
    "FIVETRAN_ACCOUNTS": "prod,staging",
    "FIVETRAN_PROD_API_KEY": "prod-key",
    "FIVETRAN_PROD_API_SECRET": "prod-secret-value",
    "FIVETRAN_STAGING_API_KEY": "staging-key",
    "FIVETRAN_STAGING_API_SECRET": "staging-secret-value",
}


def test_without_fivetran_accounts_the_unprefixed_variables_are_the_account_named_fivetran(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(
        monkeypatch,
        FIVETRAN_API_KEY="k",
        FIVETRAN_API_SECRET="s",
        FIVETRAN_API_URL="https://eu.fivetran.example/",
        FIVETRAN_WEBHOOK_SECRET="w",
        FIVETRAN_HOURLY_LIMIT="500",
    )
    settings = load_settings(env_file=None)

    [account] = settings.accounts()

    assert account.name == "fivetran" and account.single
    assert (account.api_key.get_secret_value(), account.api_secret.get_secret_value()) == ("k", "s")
    assert account.api_url == "https://eu.fivetran.example" == settings.fivetran_api_url
    assert account.webhook_secret is not None and account.webhook_secret.get_secret_value() == "w"
    assert account.hourly_limit == 500
    assert account.variable("api_key") == "FIVETRAN_API_KEY"
    assert account.webhook_path == "/fivetran/webhook"
    assert settings.fivetran_accounts == {} and settings.unused_fivetran_variables() == []


def test_the_single_account_follows_a_copy_of_the_settings() -> None:
    # The demo shell swaps the credentials in with model_copy: the account must be the copy's.
    settings = Settings(_env_file=None).model_copy(update={"fivetran_api_key": SecretStr("demo")})
    [account] = settings.accounts()
    assert account.api_key.get_secret_value() == "demo" and account.api_secret.get_secret_value() == ""


def test_each_named_account_reads_its_own_prefixed_variables_with_the_same_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(
        monkeypatch,
        FIVETRAN_ACCOUNTS=" prod , eu-west ",
        FIVETRAN_PROD_API_KEY="prod-key",
        FIVETRAN_PROD_API_SECRET="prod-secret",
        FIVETRAN_EU_WEST_API_KEY="eu-key",
        FIVETRAN_EU_WEST_API_SECRET="eu-secret",
        FIVETRAN_EU_WEST_API_URL="https://eu.fivetran.example/",
        FIVETRAN_EU_WEST_WEBHOOK_SECRET="eu-hook",
        FIVETRAN_EU_WEST_HOURLY_LIMIT="500",
    )
    prod, eu = load_settings(env_file=None).accounts()

    assert (prod.name, prod.api_key.get_secret_value(), prod.api_secret.get_secret_value()) == (
        "prod",
        "prod-key",
        "prod-secret",
    )
    assert (prod.api_url, prod.webhook_secret, prod.hourly_limit) == (
        "https://api.fivetran.com",
        None,
        20_000,
    )
    assert eu.name == "eu-west" and eu.api_key.get_secret_value() == "eu-key"
    assert eu.api_url == "https://eu.fivetran.example" and eu.hourly_limit == 500
    assert eu.webhook_secret is not None and eu.webhook_secret.get_secret_value() == "eu-hook"
    assert eu.variable("api_key") == "FIVETRAN_EU_WEST_API_KEY" and not eu.single
    assert eu.webhook_path == "/fivetran/webhook/eu-west"


def test_named_accounts_read_the_secrets_directory_like_every_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "fivetran_accounts").write_text("prod,staging\n")
    (secrets / "fivetran_prod_api_key").write_text("prod-key-from-a-file\n")
    (secrets / "fivetran_prod_api_secret").write_text("prod-secret-from-a-file")
    (secrets / "fivetran_staging_api_key").write_text("staging-key-from-a-file")
    (secrets / "fivetran_staging_api_secret").write_text("loses-to-the-environment")
    (secrets / "fivetran_staging_webhook_secret").write_text("staging-hook-from-a-file")
    _env(monkeypatch, HVR_SECRETS_DIR=str(secrets), FIVETRAN_STAGING_API_SECRET="from-the-environment")

    prod, staging = load_settings(env_file=None).accounts()

    assert prod.api_key.get_secret_value() == "prod-key-from-a-file"
    assert prod.api_secret.get_secret_value() == "prod-secret-from-a-file"
    assert staging.api_key.get_secret_value() == "staging-key-from-a-file"
    assert staging.api_secret.get_secret_value() == "from-the-environment"
    assert staging.webhook_secret is not None
    assert staging.webhook_secret.get_secret_value() == "staging-hook-from-a-file"


def test_named_accounts_read_the_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "FIVETRAN_ACCOUNTS=staging\nFIVETRAN_STAGING_API_KEY=dot-key\nFIVETRAN_STAGING_API_SECRET=dot-secret\n"
    )
    [staging] = load_settings().accounts()
    assert staging.name == "staging" and staging.api_key.get_secret_value() == "dot-key"


def test_a_missing_credential_names_the_accounts_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**TWO, "FIVETRAN_STAGING_API_SECRET": ""}  # empty is as good as not set
    del env["FIVETRAN_STAGING_API_KEY"]

    problems = _problems(monkeypatch, **env)

    assert problems == [
        "FIVETRAN_STAGING_API_KEY is not set: create an API key in Fivetran (Account settings → API key, "
        "or a system key) and set it in the environment or .env",
        "FIVETRAN_STAGING_API_SECRET is not set: create an API key in Fivetran (Account settings → API key, "
        "or a system key) and set it in the environment or .env",
    ]


def test_a_bad_value_names_the_accounts_variable_and_not_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = _problems(
        monkeypatch,
        **TWO,
        FIVETRAN_PROD_HOURLY_LIMIT="0",
        FIVETRAN_STAGING_HOURLY_LIMIT="staging-secret-value",
    )
    text = "\n".join(problems)
    assert problems[0].startswith("FIVETRAN_PROD_HOURLY_LIMIT: Input should be greater than or equal to 1")
    assert problems[1].startswith("FIVETRAN_STAGING_HOURLY_LIMIT: Input should be a valid integer")
    assert "staging-secret-value" not in text and "prod-secret-value" not in text


@pytest.mark.parametrize("names", ["prod,Staging", "prod,2nd", "prod,eu_west", "prod,-x", "prod,stag ing"])
def test_a_bad_source_name_is_refused_by_its_position(monkeypatch: pytest.MonkeyPatch, names: str) -> None:
    [problem] = _problems(monkeypatch, FIVETRAN_ACCOUNTS=names)
    assert problem == (
        "FIVETRAN_ACCOUNTS: item 2 is not a source name: use lower-case letters, digits and '-', "
        "starting with a letter (prod, eu-west)"
    )
    assert names.split(",")[1] not in problem


def test_a_selector_word_cannot_name_a_source(monkeypatch: pytest.MonkeyPatch) -> None:
    [problem] = _problems(monkeypatch, **{**TWO, "FIVETRAN_ACCOUNTS": "prod,group"})
    assert problem == (
        "FIVETRAN_ACCOUNTS: group can't name a source: it is a selector word (group, service, source, "
        "status); pick another name"
    )


def test_a_name_given_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    [problem] = _problems(monkeypatch, **{**TWO, "FIVETRAN_ACCOUNTS": "prod,staging,prod"})
    assert problem == "FIVETRAN_ACCOUNTS: prod is named twice: every account needs a name of its own"


def test_the_unprefixed_variables_are_not_used_beside_fivetran_accounts_and_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(monkeypatch, **TWO, FIVETRAN_API_KEY="old-key", FIVETRAN_HOURLY_LIMIT="100")
    settings = load_settings(env_file=None)
    assert [a.name for a in settings.accounts()] == ["prod", "staging"]
    assert settings.unused_fivetran_variables() == ["FIVETRAN_API_KEY", "FIVETRAN_HOURLY_LIMIT"]
    assert settings.fivetran_api_key is not None  # still there for whoever reads it; just not an account


def test_named_accounts_need_no_unprefixed_credentials_nor_webhook_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(monkeypatch, **TWO)
    settings = load_settings(env_file=None)
    assert not any("FIVETRAN" in p for p in settings.problems("serve"))
    assert not any("FIVETRAN" in p for p in settings.problems("webhooks"))


def test_an_empty_fivetran_accounts_is_the_single_account(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, FIVETRAN_ACCOUNTS=" , ", FIVETRAN_API_KEY="k")
    [account] = load_settings(env_file=None).accounts()
    assert account.name == "fivetran" and account.api_key.get_secret_value() == "k"


def test_named_account_secrets_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, **TWO, FIVETRAN_STAGING_WEBHOOK_SECRET="staging-hook-value")
    settings = load_settings(env_file=None)
    shown = repr(settings) + str(settings.model_dump()) + repr(settings.accounts())
    for value in ("prod-secret-value", "staging-secret-value", "staging-hook-value", "prod-key"):
        assert value not in shown


def test_accounts_may_be_given_to_settings_directly_and_are_still_checked() -> None:
    prod = FivetranAccount(name="prod", api_key=SecretStr("k"), api_secret=SecretStr("s"))
    staging = FivetranAccount(name="staging", api_key=SecretStr("k2"), api_secret=SecretStr("s2"))
    settings = Settings(_env_file=None, fivetran_accounts=[prod, staging])
    assert settings.accounts() == [prod, staging]
    assert prod.variable("webhook_secret") == "FIVETRAN_PROD_WEBHOOK_SECRET"
    with pytest.raises(ValidationError, match="prod is named twice"):
        Settings(_env_file=None, fivetran_accounts=[prod, prod])


def test_a_name_string_given_to_settings_reads_the_variables_like_fivetran_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(monkeypatch, **{k: v for k, v in TWO.items() if k != "FIVETRAN_ACCOUNTS"})
    settings = Settings(_env_file=None, fivetran_accounts="staging")
    [staging] = settings.accounts()
    assert staging.api_key.get_secret_value() == "staging-key"


def test_a_bad_named_account_stops_the_cli_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from bot.cli import main

    env = {k: v for k, v in TWO.items() if k != "FIVETRAN_STAGING_API_KEY"}
    _env(monkeypatch, **env, HVR_SECRETS_DIR=str(tmp_path / "no-secrets"))

    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert "  ✗ FIVETRAN_STAGING_API_KEY is not set" in captured.out
    assert "prod-secret-value" not in captured.out + captured.err and "Traceback" not in captured.err
