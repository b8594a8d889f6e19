from __future__ import annotations

import json

import pytest

from bot.blocks import ids
from bot.blocks.help import ALIASES, EXTRA_TOPICS, TOPICS
from bot.blocks.prompts import (
    render_ambiguous,
    render_cancelled,
    render_confirm,
    render_confirmed,
    render_error,
    render_help,
    render_not_found,
    render_refused,
    render_usage_error,
)
from bot.commands.grammar import VERBS, UsageError, parse
from bot.services.pipelines.resolve import Ambiguous, Missing
from tests.blocks.checks import assert_safe
from tests.blocks.factory import HOSTILE, connection, group, make_snapshot, snapshot


def test_every_verb_the_grammar_parses_has_a_help_topic_and_its_examples_parse() -> None:
    assert set(VERBS) == set(TOPICS) | set(ALIASES)
    for topic in TOPICS.values():
        for example in topic.examples:
            parse(example)  # raises UsageError if the help teaches something wrong


def test_the_overview_lists_every_command_with_an_example() -> None:
    text = json.dumps(render_help(None).blocks)
    for verb in TOPICS:
        if verb != "help":
            assert f"`/hvr {verb}" in text, verb
    assert "group:&lt;name|id&gt;" in text, "selectors are explained, escaped"


@pytest.mark.parametrize("topic", [*TOPICS, *ALIASES, *EXTRA_TOPICS])
def test_each_topic_has_its_own_page(topic: str) -> None:
    message = render_help(topic)
    assert_safe(message)
    assert "There is no help" not in message.text


def test_the_status_alias_shows_the_show_page() -> None:
    assert render_help("status").blocks == render_help("show").blocks


def test_an_unknown_topic_says_so_then_shows_the_overview() -> None:
    message = render_help("frobnicate")
    assert message.blocks[0]["text"]["text"] == "There is no help on `frobnicate`. Here is every command:"
    assert message.blocks[1]["type"] == "header"


def test_a_usage_error_shows_the_message_then_the_topics_usage() -> None:
    message = render_usage_error(UsageError("`sync` needs <connector>: `/hvr sync <connector>`.", "sync"))
    assert message.blocks[0]["text"]["text"] == (
        ":warning: `sync` needs &lt;connector&gt;: `/hvr sync &lt;connector&gt;`."
    )
    assert message.blocks[1]["text"]["text"].startswith("*`/hvr sync &lt;connector&gt; [--force]")


def test_a_usage_error_without_topic_points_to_help() -> None:
    message = render_usage_error(UsageError("I don't know the command `x`."))
    assert "`/hvr help`" in message.blocks[-1]["elements"][0]["text"]


def test_not_found_offers_up_to_five_candidates_as_group_slash_name_buttons() -> None:
    conns = [connection(id=f"c{i}", schema=f"sales_{i}") for i in range(7)]
    snap = snapshot(*conns)
    message = render_not_found(Missing("salse", conns), snap)
    assert message.blocks[0]["text"]["text"] == "No connector named `salse`. Did you mean:"
    buttons = message.blocks[1]["elements"]
    assert [(b["text"]["text"], b["value"], b["action_id"]) for b in buttons[:2]] == [
        ("warehouse/sales_0", "c0", "hvr.show:0"),
        ("warehouse/sales_1", "c1", "hvr.show:1"),
    ]
    assert len(buttons) == 5


def test_not_found_without_candidates_suggests_searching() -> None:
    message = render_not_found(Missing("zzz", []), snapshot())
    assert "`/hvr list &lt;text&gt;`" in message.blocks[0]["text"]["text"]


def test_ambiguous_lists_the_groups_as_buttons() -> None:
    a = connection(id="a", group_id="g1")
    b = connection(id="b", group_id="g2")
    snap = snapshot(a, b, groups=[group("g1", "prod"), group("g2", "dev")])
    message = render_ambiguous(Ambiguous("salesforce_prod", [a, b]), snap)
    assert message.blocks[0]["text"]["text"] == "`salesforce_prod` is in several groups:"
    assert [e["text"]["text"] for e in message.blocks[1]["elements"]] == [
        "prod/salesforce_prod",
        "dev/salesforce_prod",
    ]


def test_confirm_carries_the_command_and_offers_cancel() -> None:
    message = render_confirm("Re-sync all data of x?", command_text="resync x", confirm_label="Re-sync")
    assert message.blocks[1] == {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "hvr.confirm:0",
                "text": {"type": "plain_text", "text": "Re-sync", "emoji": True},
                "value": ids.pack(cmd="resync x"),
                "style": "danger",
            },
            {
                "type": "button",
                "action_id": "hvr.cancel:0",
                "text": {"type": "plain_text", "text": "Cancel", "emoji": True},
                "value": "cancel",
            },
        ],
    }


def test_a_confirmation_names_its_pipeline_once_confirmed_not_only_its_id() -> None:
    message = render_confirm(
        "Pause *orders*?", command_text="pause abc123", confirm_label="Pause", name="orders"
    )
    value = message.blocks[1]["elements"][0]["value"]
    assert ids.unpack(value) == {"cmd": "pause abc123", "n": "orders", "l": "Pause"}
    done = render_confirmed("U1", "pause abc123", name="orders", label="Pause")
    assert done.blocks == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": ":white_check_mark: <@U1> confirmed *Pause* on *orders* (`/hvr pause abc123`)",
            },
        }
    ]
    # a button from before names were carried still reads, with the command alone
    assert (
        render_confirmed("U1", "pause abc123").text
        == ":white_check_mark: <@U1> confirmed `/hvr pause abc123`"
    )
    assert_safe(done)


def test_a_command_too_long_for_a_button_is_not_cut_but_refused() -> None:
    message = render_confirm("Sure?", command_text="x" * 3000, confirm_label="Go")
    assert_safe(message)
    assert ids.CONFIRM not in json.dumps(message.blocks)
    assert "too long" in json.dumps(message.blocks)


def test_error_with_reference_asks_to_quote_it() -> None:
    message = render_error("Something broke.", reference="ab12")
    assert message.blocks[1]["elements"][0]["text"] == "Reference: `ab12` — quote it when you report this"


def test_cancelled_and_refused_are_single_sections() -> None:
    assert render_cancelled("the re-sync").blocks[0]["text"]["text"] == (
        ":no_entry_sign: Cancelled the re-sync. Nothing was changed."
    )
    assert render_refused("Only admins can re-sync everything.").blocks[0]["text"]["text"] == (
        ":lock: Only admins can re-sync everything."
    )


def test_every_prompt_fits_and_escapes_hostile_text() -> None:
    long = HOSTILE * 100
    snap = make_snapshot(10, name=long)
    conns = list(snap.connections.values())
    assert_safe(render_help(long))
    assert_safe(render_usage_error(UsageError(long, long)))
    assert_safe(render_usage_error(UsageError(long, "sync")))
    assert_safe(render_not_found(Missing(long, conns), snap))
    assert_safe(render_not_found(Missing(long, []), snap))
    assert_safe(render_ambiguous(Ambiguous(long, conns), snap))
    assert_safe(render_confirm(long, command_text=long[:1500], confirm_label=long))
    assert_safe(render_cancelled(long))
    assert_safe(render_error(long, reference=long))
    assert_safe(render_refused(long))


def test_who_cancelled_or_decided_is_a_mention_and_a_forged_id_is_only_text() -> None:
    assert render_cancelled(by="U0SHELL01").blocks[0]["text"]["text"] == (
        ":no_entry_sign: Cancelled by <@U0SHELL01>. Nothing was changed."
    )
    assert render_cancelled(by="<!channel>").blocks[0]["text"]["text"] == (
        ":no_entry_sign: Cancelled by &lt;!channel&gt;. Nothing was changed."
    )
    refused = render_refused("That re-sync request was already approved", by="U0ADMIN2")
    assert (
        refused.blocks[0]["text"]["text"]
        == ":lock: That re-sync request was already approved by <@U0ADMIN2>."
    )
