"""The audit view: people as mentions (below the plain-text header, which cannot hold one), times as tokens."""

from __future__ import annotations

from datetime import timedelta

from bot.blocks.audit import render_audit
from bot.storage.audit import AuditEntry
from tests.blocks.checks import assert_safe
from tests.blocks.factory import NOW


def _entry(user_id: str | None = "U0SHELL01") -> AuditEntry:
    return AuditEntry(
        id=1,
        request_id="ref1",
        at=NOW - timedelta(hours=1),
        user_id=user_id,
        channel_id="C1",
        source="command",
        action="sync",
        connectors=("decidedly_conventional",),
        parameters={},
        status="succeeded",
        fivetran_code=None,
        message=None,
        finished_at=None,
    )


def test_the_person_asked_about_is_a_mention_under_a_header_without_an_id() -> None:
    message = render_audit([_entry()], connector=None, user="U0SHELL01", now=NOW)
    assert message.blocks[0]["text"]["text"] == "Audit"
    assert message.blocks[1]["elements"][0]["text"] == "1 entry by <@U0SHELL01>, newest first"
    entry = message.blocks[2]["text"]["text"]
    assert entry.startswith(":white_check_mark: done · *sync* by <@U0SHELL01> via command")
    assert "<!date^1778324400^{date_short_pretty} {time}|2026-05-09 11:00 UTC> (1h ago)" in entry
    assert message.text == "1 audit entry by <@U0SHELL01>"


def test_a_connector_is_named_in_the_header_and_nothing_found_says_for_whom() -> None:
    message = render_audit([_entry(None), _entry("U1")], connector="salesforce_prod", user=None, now=NOW)
    assert message.blocks[0]["text"]["text"] == "Audit: salesforce_prod"
    assert message.blocks[1]["elements"][0]["text"] == "2 entries for salesforce_prod, newest first"
    assert "by the bot" in message.blocks[2]["text"]["text"]
    empty = render_audit([], connector="<x>", user="<!here>", now=NOW)
    assert empty.text == "No audit entries for &lt;x&gt; by that person."  # nobody on record, nobody pinged
    assert_safe(message)


def test_the_header_names_the_person_from_users_info_and_entries_name_their_pipelines() -> None:
    message = render_audit(
        [_entry("U1")],
        connector=None,
        user="U1",
        user_name="Ada Admin",
        names={"decidedly_conventional": "salesforce_prod"},
        now=NOW,
    )
    header = {"type": "header", "text": {"type": "plain_text", "text": "Audit by Ada Admin", "emoji": True}}
    assert message.blocks[0] == header
    assert "on `salesforce_prod`" in message.blocks[2]["text"]["text"]
    assert_safe(message)


def test_with_no_entries_the_person_is_named_not_mentioned_and_never_shown_as_an_id() -> None:
    named = render_audit([], connector=None, user="U0SHELL01", user_name="Ada Admin", now=NOW)
    assert named.text == "No audit entries by Ada Admin."
    unknown = render_audit([], connector=None, user="U0SHELL01", now=NOW)
    assert unknown.text == "No audit entries by that person."
    assert_safe(named)
    assert_safe(unknown)


def test_a_pipeline_no_longer_in_the_account_keeps_its_id() -> None:
    text = render_audit([_entry()], connector=None, user=None, names={}, now=NOW).blocks[2]["text"]["text"]
    assert "on `decidedly_conventional`" in text


def test_flags_read_as_words_off_ones_left_out_and_an_error_code_names_no_vendor() -> None:
    from dataclasses import replace

    entry = replace(
        _entry(),
        parameters={"force": False, "notify": True, "tables": "public.orders"},
        status="failed",
        fivetran_code="F_JR0302E",
    )
    line = render_audit([entry], connector=None, user=None, now=NOW).blocks[2]["text"]["text"]
    assert "(notify, tables=public.orders)" in line
    assert "force" not in line
    assert "— code `F_JR0302E`" in line
    assert "Fivetran" not in line
