"""HVR_HUBS: HVR 6 hubs, each read from its HVR_HUB_<NAME>_ variables (DESIGN 8)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import ConfigurationError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("FIVETRAN_", "HVR_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


EAST = {
    "HVR_HUBS": "east",
    "HVR_HUB_EAST_URL": "https://hvr.example.com:4341/",
    "HVR_HUB_EAST_USERNAME": "bot",
    "HVR_HUB_EAST_PASSWORD": "hub-password-value",
}


def _set(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _problems(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> list[str]:
    _set(monkeypatch, env)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env_file=None)
    return caught.value.problems


def test_a_hub_reads_its_variables_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, EAST)
    [hub] = load_settings(env_file=None).hubs()
    assert (hub.name, hub.url, hub.username, hub.hub, hub.api_version) == (
        "east",
        "https://hvr.example.com:4341",
        "bot",
        "east",
        "latest",
    )
    assert hub.password.get_secret_value() == "hub-password-value"


def test_hub_name_and_api_version_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, {**EAST, "HVR_HUB_EAST_HUB": "hvrhub", "HVR_HUB_EAST_API_VERSION": "v6.1.0.3"})
    [hub] = load_settings(env_file=None).hubs()
    assert (hub.hub, hub.api_version) == ("hvrhub", "v6.1.0.3")


def test_only_hubs_configured_needs_no_fivetran_account(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, EAST)
    settings = load_settings(env_file=None)
    assert settings.hubs_only
    assert settings.accounts() == []
    assert not any("FIVETRAN" in p for p in settings.problems("shell"))


def test_hubs_beside_the_single_account_keep_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, {**EAST, "FIVETRAN_API_KEY": "k", "FIVETRAN_API_SECRET": "s"})
    settings = load_settings(env_file=None)
    assert [a.name for a in settings.accounts()] == ["fivetran"]
    assert not settings.hubs_only


def test_a_missing_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: v for k, v in EAST.items() if k != "HVR_HUB_EAST_PASSWORD"}
    [problem] = _problems(monkeypatch, {**env, "HVR_HUB_EAST_USERNAME": "bot"})
    assert problem.startswith("HVR_HUB_EAST_PASSWORD is not set")


def test_an_empty_password_is_as_good_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    [problem] = _problems(monkeypatch, {**EAST, "HVR_HUB_EAST_PASSWORD": ""})
    assert problem.startswith("HVR_HUB_EAST_PASSWORD is not set")


def test_a_bad_url_names_the_variable_not_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    [problem] = _problems(monkeypatch, {**EAST, "HVR_HUB_EAST_URL": "hvr.example.com"})
    assert problem.startswith("HVR_HUB_EAST_URL:")
    assert "hvr.example.com" not in problem.split(":", 1)[1].split("e.g.")[0]


@pytest.mark.parametrize("names", ["East", "east,east", "group"])
def test_bad_or_repeated_hub_names_are_refused(monkeypatch: pytest.MonkeyPatch, names: str) -> None:
    [problem] = _problems(monkeypatch, {**EAST, "HVR_HUBS": names})
    assert problem.startswith("HVR_HUBS:")


def test_a_name_is_unique_over_both_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**EAST, "FIVETRAN_ACCOUNTS": "east", "FIVETRAN_EAST_API_KEY": "k", "FIVETRAN_EAST_API_SECRET": "s"}
    [problem] = _problems(monkeypatch, env)
    assert "HVR_HUBS" in problem and "FIVETRAN_ACCOUNTS" in problem


def test_the_password_comes_from_the_secrets_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "hvr_hub_east_password").write_text("from-the-secret-file")
    monkeypatch.setenv("HVR_SECRETS_DIR", str(secrets))
    _set(monkeypatch, {k: v for k, v in EAST.items() if k != "HVR_HUB_EAST_PASSWORD"})
    [hub] = load_settings(env_file=None).hubs()
    assert hub.password.get_secret_value() == "from-the-secret-file"


def test_the_password_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, EAST)
    settings = load_settings(env_file=None)
    assert "hub-password-value" not in repr(settings) + str(settings.model_dump()) + repr(settings.hubs())
