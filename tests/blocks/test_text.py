"""Text from outside reaches Slack escaped, and with no control or bidirectional character hidden in it."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from bot.blocks.connectors import render_list
from bot.blocks.governance import BulkLine, render_bulk_preview
from bot.blocks.home import render_home
from bot.blocks.kit import button, header
from bot.blocks.show import render_show
from bot.blocks.text import count, cut, esc, moment, plain, when
from bot.services.pipelines.selectors import Selector
from tests.blocks.factory import NOW, connection, snapshot

# Right-to-left override, isolates, marks, ESC (a terminal colour), NUL, BEL, CR, a C1 control (CSI).
HIDDEN = ["\u202e", "\u2066", "\u2069", "\u200f", "\x1b", "\x00", "\x07", "\r", "\x9b"]
HOSTILE_NAME = "orders\u202etxt.exe\u2066\x1b[31mred\x00\x07\r\x9bz"
HIDDEN_OR_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _strings(node: object) -> list[str]:
    """Every string a message sends: block texts, labels, values, the fallback."""
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return [node] if isinstance(node, str) else []


@pytest.mark.parametrize("char", HIDDEN)
def test_escaping_makes_each_control_and_bidi_character_visible(char: str) -> None:
    assert esc(f"a{char}b") == "a\ufffdb"
    assert plain(f"a{char}b", 75) == "a\ufffdb"


def test_escaping_keeps_newlines_and_tabs_in_mrkdwn() -> None:
    assert esc("line one\n\tline two & <three>") == "line one\n\tline two &amp; &lt;three&gt;"


def test_plain_text_headers_and_button_labels_carry_no_hidden_character() -> None:
    label = button(HOSTILE_NAME, "a", "v")
    assert label is not None
    sent = [header(HOSTILE_NAME), label]

    assert [s for s in _strings(sent) if HIDDEN_OR_CONTROL.search(s)] == []
    assert sent[0]["text"]["text"].startswith("orders\ufffdtxt.exe\ufffd")
    assert sent[1]["text"]["text"].startswith("orders\ufffdtxt.exe\ufffd")


def test_show_with_a_hostile_name_and_task_message_sends_no_hidden_character() -> None:
    c = connection(
        schema=HOSTILE_NAME,
        status={
            "setup_state": "broken",
            "tasks": [{"code": "reconnect\u202e", "message": "Re-authorize\x1b]8;;http://evil\x07 now"}],
            "warnings": [{"code": "w", "message": "quota\u2067 low\x00"}],
        },
    )
    message = render_show(snapshot(c), c, now=NOW)

    sent = _strings(message.to_dict())
    assert sent, "the view sends text"
    assert [s for s in sent if HIDDEN_OR_CONTROL.search(s)] == []
    assert any("Re-authorize\ufffd]8;;http://evil\ufffd now" in s for s in sent)
    assert message.blocks[0]["text"]["text"].startswith("orders\ufffdtxt.exe")


def test_list_with_a_hostile_name_sends_no_hidden_character_in_rows_buttons_or_fallback() -> None:
    c = connection(schema=HOSTILE_NAME)
    message = render_list(snapshot(c), [c], Selector(text=("\u202eq\x1b",)), page=1, now=NOW)

    assert [s for s in _strings(message.to_dict()) if HIDDEN_OR_CONTROL.search(s)] == []


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 connectors"), (1, "1 connector"), (2, "2 connectors"), (1204, "1,204 connectors")],
)
def test_a_count_takes_the_form_of_its_number(n: int, expected: str) -> None:
    assert count(n, "connector") == expected


def test_one_connector_in_a_bulk_preview_and_on_the_home_tab_is_singular() -> None:
    preview = render_bulk_preview("pause", "status:failing", [BulkLine("orders", "pending")], [], run_id="r1")
    assert "Pause 1 connector?" in json.dumps(preview.blocks)
    dialog = preview.blocks[-1]["elements"][0]["confirm"]
    assert dialog["style"] == "danger"  # the dialog's button is as dangerous as the button that opens it
    home = json.dumps(render_home(snapshot(connection()), role="viewer", now=NOW))
    assert "1 connector* in 1 group" in home


def test_a_time_is_a_slack_date_token_with_the_utc_stamp_as_its_fallback() -> None:
    assert moment(NOW) == "<!date^1778328000^{date_short_pretty} {time}|2026-05-09 12:00 UTC>"
    assert moment(NOW, "Sat 09 May 14:00 <CEST>") == (
        "<!date^1778328000^{date_short_pretty} {time}|Sat 09 May 14:00 &lt;CEST&gt;>"
    )


def test_the_relative_time_keeps_the_absolute_one_beside_it_as_a_token() -> None:
    then = NOW - timedelta(hours=3)
    assert when(then, NOW) == "3h ago (<!date^1778317200^{date_short_pretty} {time}|2026-05-09 09:00 UTC>)"
    assert when(None, NOW) == "never"


def test_a_cut_never_splits_a_date_token_or_a_mention() -> None:
    token = moment(NOW)
    text = "x" * 10 + token + " and more"
    assert cut(text, 30) == "x" * 10 + "…"
    assert cut("by <@U0SHELL01> and more", 10) == "by …"
    assert cut(text, len(token) + 12) == "x" * 10 + token + " …"
