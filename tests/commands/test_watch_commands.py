"""`watch`, `watch list`, `unwatch`: the grammar of real-time alerts."""

from __future__ import annotations

import pytest

from bot.commands.grammar import UsageError
from bot.commands.watch_commands import Unwatch, WatchAdd, WatchForm, WatchList, parse_watch
from bot.services.alerts.events import WatchEvent
from bot.services.pipelines.health import Health
from bot.services.pipelines.selectors import load_selector, store_selector


def test_a_bare_watch_asks_for_the_form() -> None:
    assert parse_watch("watch", []) == WatchForm()


def test_a_watch_with_only_events_is_every_connector() -> None:
    cmd = parse_watch("watch", ["events:failures,recoveries"])
    assert isinstance(cmd, WatchAdd)
    assert cmd.selector.is_empty
    assert cmd.events == (WatchEvent.FAILURES, WatchEvent.RECOVERIES)
    assert cmd == WatchAdd()  # what a bare watch means where no form can open


def test_a_selector_and_an_event_list_are_read() -> None:
    cmd = parse_watch("watch", ["group:warehouse", "status:failing", "events:delays,pauses"])
    assert isinstance(cmd, WatchAdd)
    assert cmd.selector.groups == ("warehouse",)
    assert cmd.selector.statuses == (Health.FAILING,)
    assert cmd.events == (WatchEvent.DELAYS, WatchEvent.PAUSES)


def test_events_come_out_in_one_order_without_repeats_whatever_was_typed() -> None:
    cmd = parse_watch("WATCH", ["EVENTS:syncs,failure", "events:failures,Recovered"])
    assert isinstance(cmd, WatchAdd)
    assert cmd.events == (WatchEvent.FAILURES, WatchEvent.RECOVERIES, WatchEvent.SYNCS)


def test_events_all_is_every_event() -> None:
    cmd = parse_watch("watch", ["events:all"])
    assert isinstance(cmd, WatchAdd) and cmd.events == tuple(WatchEvent)


def test_an_unknown_event_names_the_accepted_ones_and_the_near_miss() -> None:
    with pytest.raises(UsageError) as caught:
        parse_watch("watch", ["events:failures,delayz"])
    assert caught.value.topic == "watch"
    assert "`delayz`" in caught.value.message
    assert "Did you mean `delays`?" in caught.value.message
    for name in ("failures", "recoveries", "delays", "pauses", "syncs"):
        assert name in caught.value.message


def test_an_empty_event_list_is_refused() -> None:
    with pytest.raises(UsageError, match="needs a list"):
        parse_watch("watch", ["events:"])


def test_a_bad_selector_is_a_usage_error_about_watch() -> None:
    with pytest.raises(UsageError) as caught:
        parse_watch("watch", ["status:sad"])
    assert caught.value.topic == "watch" and "status:sad" in caught.value.message


def test_free_text_narrows_the_watch_like_list_does() -> None:
    cmd = parse_watch("watch", ["salesforce_prod"])
    assert isinstance(cmd, WatchAdd) and cmd.selector.text == ("salesforce_prod",)


def test_watch_list_takes_nothing_more() -> None:
    assert parse_watch("watch", ["list"]) == WatchList()
    assert parse_watch("watch", ["LIST"]) == WatchList()
    with pytest.raises(UsageError, match="takes nothing more"):
        parse_watch("watch", ["list", "everything"])


def test_unwatch_takes_exactly_one_id() -> None:
    assert parse_watch("unwatch", ["3FK2Q9"]) == Unwatch("3fk2q9")
    for args in ([], ["a", "b"]):
        with pytest.raises(UsageError, match="needs the id"):
            parse_watch("unwatch", args)


def test_other_verbs_are_not_watch_commands() -> None:
    with pytest.raises(UsageError):
        parse_watch("digest", [])


def test_a_stored_selector_reads_back_the_same_even_with_spaces_in_names() -> None:
    cmd = parse_watch("watch", ["group:BigQuery Staging", "status:broken", "service:salesforce", "prod db"])
    assert isinstance(cmd, WatchAdd)
    assert load_selector(store_selector(cmd.selector)) == cmd.selector
    assert load_selector("") == WatchAdd().selector
