"""`hvr-bot check` tells a person what is wrong, in plain words, and exits non-zero."""

from __future__ import annotations

import pytest
import respx

from bot.check import run_check
from bot.config import Settings

FT = "https://api.fivetran.test"


def _settings(**extra: object) -> Settings:
    base: dict[str, object] = {"fivetran_api_url": FT}
    base.update(extra)
    return Settings(**base)  # type: ignore[arg-type]


async def test_missing_credentials_are_listed_and_fail() -> None:
    lines: list[str] = []
    assert await run_check(_settings(), out=lines.append) == 1
    text = "\n".join(lines)
    assert "FIVETRAN_API_KEY is not set" in text
    assert "SLACK_BOT_TOKEN is not set" in text
    assert text.endswith("run `hvr-bot check` again.")


@respx.mock
async def test_a_rejected_fivetran_key_is_named_and_fails() -> None:
    respx.get(f"{FT}/v1/account/info").respond(401, json={"code": "AuthFailed", "message": "Unauthorized"})
    lines: list[str] = []
    code = await run_check(_settings(fivetran_api_key="k", fivetran_api_secret="wrong"), out=lines.append)
    assert code == 1
    assert any("Fivetran did not accept FIVETRAN_API_KEY / FIVETRAN_API_SECRET" in line for line in lines)
    assert not any("wrong" in line for line in lines)


@respx.mock
async def test_a_working_fivetran_key_is_confirmed() -> None:
    respx.get(f"{FT}/v1/account/info").respond(
        json={"code": "Success", "data": {"account_id": "a1", "account_name": "Acme", "user_id": "u1"}}
    )
    lines: list[str] = []
    await run_check(_settings(fivetran_api_key="k", fivetran_api_secret="s"), out=lines.append)
    assert "  ✓ Fivetran: connected to account Acme with a user key" in lines


def test_the_cli_reports_invalid_configuration(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("HVR_TIMEZONE", "Nowhere/Land")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "HVR_TIMEZONE" in out and "IANA time zone" in out
