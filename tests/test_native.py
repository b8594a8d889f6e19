"""The payload walker of tests/native.py must catch what it is for: each bad payload here is one a renderer
could send, and each good one is what the renderers send instead."""

from __future__ import annotations

from typing import Any

import pytest

from tests.native import double_problems, problems

TOKEN = "<!date^1764611100^{date_short_pretty} {time}|2026-12-01 17:45 UTC>"


def message(text: str, *, header: str | None = None, field: str | None = None) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if header is not None:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": header}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if field is not None:
        blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": field}]})
    return {"text": "fallback", "blocks": blocks}


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (message("Last sync 2026-12-01 17:45 UTC"), "fixed UTC time '2026-12-01 17:45 UTC'"),
        (message("ok", field="*When*\n2026-12-01T17:45"), "fixed UTC time"),
        (message("Fivetran resumes it at 14:05 UTC."), "fixed UTC time '14:05 UTC'"),
        ({"text": "Failed at 09:41 UTC", "blocks": []}, "fixed UTC time '09:41 UTC'"),
        (message("Cancelled by U0SHELL01"), "raw user id 'U0SHELL01'"),
        (message("ok", header="Audit: by U0SHELL01"), "raw user id 'U0SHELL01'"),
        (message("granted WABCDEF123 operator"), "raw user id 'WABCDEF123'"),
        (message("Paused 1 connectors"), "'1 connectors' (one connector)"),
        (message("0 connector matched"), "'0 connector' (connectors)"),
        (message("2 table in the schema"), "'2 table' (tables)"),
        (message("1 new problems"), "'1 new problems'"),
        (message("3 entry"), "'3 entry' (entries)"),
        (message("it failed 1 times"), "'1 times' (one time)"),
        (message("1 failure alerts were held"), "'1 alerts' (one alert)"),
        (message("found connector(s)"), "'connector(s)'"),
        (message('Try `/hvr list group:"Redshift Finance" status:sick`'), "does not parse with smart quotes"),
    ],
)
def test_a_bad_payload_is_caught(bad: dict[str, Any], says: str) -> None:
    found = problems(bad)
    assert any(says in p for p in found), found


@pytest.mark.parametrize(
    "good",
    [
        message(f"Last sync {TOKEN} (3h ago)"),
        message("Schedule set: daily at 01:00 UTC (02:00 Europe/Berlin)."),
        message("ok", field="*Daily sync time*\n02:00 UTC daily"),
        message(":calendar: Digest added: every day at 08:30 UTC · all connectors"),
        message("Cancelled by <@U0SHELL01>"),
        message("ok", header="Audit by Ana Lopez"),
        message("0 connectors · 1 connector · 2 connectors · 1,204 tables · 1 entry · 2 entries"),
        message("2 failure alerts were held; 1 failure alert was"),
        message('Try `/hvr list group:"Redshift Finance" status:failing`'),
        message("A connector id `abc_def` is no person"),
    ],
)
def test_a_good_payload_passes(good: dict[str, Any]) -> None:
    assert problems(good) == []


def test_buttons_values_and_ids_are_machine_data_not_read() -> None:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Show"},
        "value": "U0SHELL01 1 connectors",
    }
    assert problems({"text": "ok", "blocks": [{"type": "actions", "elements": [button]}]}) == []


class _Call:
    def __init__(self, method: str, params: dict[str, Any]) -> None:
        self.method, self.params = method, params


class _Double:
    """What `double_problems` reads of the Slack double: its calls and its messages."""

    def __init__(self, calls: list[_Call]) -> None:
        self.calls = calls

    def all_messages(self) -> list[Any]:
        return []


def test_every_call_that_shows_something_is_walked_even_when_its_blocks_came_form_encoded() -> None:
    calls = [
        _Call(
            "chat.postMessage",
            {
                "channel": "C1",
                "text": "Done",
                "blocks": '[{"type": "section", "text": {"type": "mrkdwn", "text": "by U0SHELL01"}}]',
            },
        ),
        _Call("views.publish", {"view": {"type": "home", "blocks": [message("at 17:45 UTC")["blocks"][0]]}}),
        _Call("chat.unfurl", {"unfurls": {"https://x": {"blocks": message("2 connector")["blocks"]}}}),
        _Call("users.info", {"user": "U0SHELL01"}),  # asks, shows nothing
    ]
    found = double_problems(_Double(calls))
    assert [f.split(":")[0] for f in found] == [
        "call 0 chat.postMessage",
        "call 1 views.publish",
        "call 2 chat.unfurl",
    ], found
