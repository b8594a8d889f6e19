"""manifest.yml is what people paste into Slack: it must validate and ask for no more than the bot uses."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA_NAME = "slack-manifest.schema.1.0.0.json"
NEEDED_SCOPES = {
    "commands",
    "chat:write",
    "chat:write.public",
    "usergroups:read",
    "links:read",
    "links:write",
    "users:read",
}


def shared_dir() -> Path:
    """The project's shared/ directory: the repo's sibling, or HVR_SHARED_DIR where the layout differs."""
    sibling = Path(__file__).resolve().parents[2] / "shared"
    if (sibling / "specs" / SCHEMA_NAME).is_file():
        return sibling
    configured = os.environ.get("HVR_SHARED_DIR")
    if configured:
        return Path(configured)
    # Failing rather than skipping: a manifest nobody validates is how a broken one ships.
    pytest.fail(
        f"cannot find shared/specs/{SCHEMA_NAME}: expected {sibling} or a directory in HVR_SHARED_DIR"
    )


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    path = shared_dir() / "specs" / SCHEMA_NAME
    if not path.is_file():
        pytest.fail(f"the Slack manifest schema is missing: {path}")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))
    return loaded


def schema_errors(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_the_manifest_validates_against_slacks_schema(
    manifest: dict[str, Any], schema: dict[str, Any]
) -> None:
    assert schema_errors(manifest, schema) == []


def test_the_slash_command_is_hvr_and_escapes_mentions(manifest: dict[str, Any]) -> None:
    [command] = manifest["features"]["slash_commands"]

    assert command["command"] == "/hvr"
    assert command["should_escape"] is True
    assert command["description"]
    assert "help" in command["usage_hint"]


def test_commands_interactivity_and_events_share_the_slack_events_url(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    urls = [
        manifest["features"]["slash_commands"][0]["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    ]

    assert all(url.startswith("https://") and url.endswith("/slack/events") for url in urls)
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False


def test_the_bot_asks_for_exactly_the_scopes_it_uses(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]

    assert set(scopes["bot"]) == NEEDED_SCOPES
    assert len(scopes["bot"]) == len(NEEDED_SCOPES)
    assert "user" not in scopes


def test_the_home_tab_is_on_and_the_messages_tab_off(manifest: dict[str, Any]) -> None:
    app_home = manifest["features"]["app_home"]

    assert (app_home["home_tab_enabled"], app_home["messages_tab_enabled"]) == (True, False)
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened", "link_shared"]
    assert manifest["features"]["bot_user"]["display_name"] == "hvr-bot"


def test_the_socket_mode_variant_validates_too(manifest: dict[str, Any], schema: dict[str, Any]) -> None:
    socket_mode = copy.deepcopy(manifest)
    del socket_mode["features"]["slash_commands"][0]["url"]
    del socket_mode["settings"]["interactivity"]["request_url"]
    del socket_mode["settings"]["event_subscriptions"]["request_url"]
    socket_mode["settings"]["socket_mode_enabled"] = True

    assert schema_errors(socket_mode, schema) == []


def test_the_schema_check_catches_a_typo(manifest: dict[str, Any], schema: dict[str, Any]) -> None:
    # Guards the guard: the schema must really be applied, so a misspelt key cannot pass unnoticed.
    broken = copy.deepcopy(manifest)
    broken["settings"]["interactivty"] = broken["settings"].pop("interactivity")

    assert schema_errors(broken, schema) != []


def test_the_display_colour_is_a_hex_colour(manifest: dict[str, Any]) -> None:
    # The schema spells its pattern as "regex", which JSON Schema ignores, so the rule is checked here.
    assert re.fullmatch(
        r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", manifest["display_information"]["background_color"]
    )


def test_dashboard_links_unfurl_and_the_bot_hears_of_them(manifest: dict[str, Any]) -> None:
    assert manifest["features"]["unfurl_domains"] == ["fivetran.com"]
    assert "link_shared" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"links:read", "links:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
