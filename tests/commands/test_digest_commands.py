from __future__ import annotations

import shlex

import pytest

from bot.commands.digest_commands import DigestAdd, DigestList, DigestNow, DigestRemove, parse_digest
from bot.commands.grammar import UsageError
from bot.scheduler.schedule import ACCEPTED
from bot.services.pipelines.health import Health


def parse(text: str, default_tz: str = "UTC") -> object:
    # The grammar hands over the tokens after `digest`, split the way shlex splits them.
    return parse_digest(shlex.split(text), default_tz=default_tz)


def usage(text: str) -> str:
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert caught.value.topic == "digest"
    return caught.value.message


def test_a_schedule_of_several_tokens_is_joined_and_selector_terms_are_set_apart() -> None:
    cmd = parse("add daily 09:00 group:prod")
    assert isinstance(cmd, DigestAdd)
    assert cmd.schedule.text == "daily 09:00"
    assert cmd.selector.groups == ("prod",)
    assert cmd.only_problems is False
    assert cmd.tz == "UTC"


def test_interval_schedules_in_words_are_accepted() -> None:
    cmd = parse("add every 15 minutes")
    assert isinstance(cmd, DigestAdd) and cmd.schedule.text == "every 15m"


def test_a_quoted_cron_with_a_time_zone_and_options_anywhere() -> None:
    cmd = parse('add only:problems "0 9 * * mon-fri" tz:Europe/Berlin status:failing status:broken')
    assert isinstance(cmd, DigestAdd)
    assert cmd.schedule.text == '"0 9 * * mon,tue,wed,thu,fri"'
    assert cmd.tz == "Europe/Berlin"
    assert cmd.only_problems
    assert cmd.selector.statuses == (Health.FAILING, Health.BROKEN)


def test_the_default_zone_applies_when_no_tz_is_given() -> None:
    cmd = parse("add weekdays 08:30", default_tz="America/New_York")
    assert isinstance(cmd, DigestAdd) and cmd.tz == "America/New_York"


def test_time_zone_names_are_matched_case_insensitively() -> None:
    cmd = parse("add hourly tz:europe/berlin")
    assert isinstance(cmd, DigestAdd) and cmd.tz == "Europe/Berlin"


def test_an_unknown_time_zone_suggests_the_iana_form() -> None:
    message = usage("add daily 09:00 tz:Berlin")
    assert "`tz:Europe/Berlin`" in message
    assert "Area/City" in message


def test_a_made_up_time_zone_explains_the_form_without_a_suggestion() -> None:
    message = usage("add daily 09:00 tz:Nowhere/Special")
    assert "Did you mean" not in message
    assert "tz:Europe/Berlin" in message


def test_a_bad_schedule_answers_with_the_accepted_forms() -> None:
    message = usage("add dialy 09:00")
    assert "did you mean `daily`" in message
    assert ACCEPTED in message


def test_schedules_more_often_than_every_five_minutes_are_refused() -> None:
    assert "minimum is every 5 minutes" in usage("add every 2m")
    assert "minimum is every 5 minutes" in usage('add "* * * * *"')


def test_a_missing_schedule_says_what_to_write() -> None:
    message = usage("add group:prod")
    assert "needs a schedule" in message and ACCEPTED in message


def test_a_stray_word_after_a_good_schedule_is_named_as_the_problem() -> None:
    message = usage("add daily 09:00 prod")
    assert "`prod`" in message and "group:<name>" in message


@pytest.mark.parametrize("typo", ["only:problem", "only:errors", "onlyproblems", "only-problems"])
def test_a_misspelt_only_problems_is_pointed_out(typo: str) -> None:
    assert "did you mean `only:problems`" in usage(f"add daily 09:00 {typo}")


def test_an_unknown_key_suggests_the_near_one() -> None:
    message = usage("add daily 09:00 grup:prod")
    assert "Did you mean `group:`" in message


def test_an_unknown_health_in_a_status_term_is_refused() -> None:
    assert "is not a health" in usage("add hourly status:sad")


def test_a_time_zone_given_twice_is_refused() -> None:
    assert "once" in usage("add hourly tz:UTC tz:Europe/Paris")


def test_list_takes_no_arguments() -> None:
    assert parse("list") == DigestList()
    assert "takes nothing more" in usage("list all")


def test_remove_takes_one_id_and_lowercases_it() -> None:
    assert parse("remove 3FK2Q9") == DigestRemove("3fk2q9")
    assert parse("rm 3fk2q9") == DigestRemove("3fk2q9")
    assert "needs the digest's id" in usage("remove")
    assert "takes one id" in usage("remove a b")
    assert "is not a digest id" in usage("remove <!channel>")


def test_now_takes_an_optional_selector() -> None:
    assert parse("now") == DigestNow()
    cmd = parse("now group:prod service:stripe")
    assert isinstance(cmd, DigestNow)
    assert cmd.selector.groups == ("prod",) and cmd.selector.services == ("stripe",)


def test_now_refuses_options_and_free_text() -> None:
    assert "takes only a selector" in usage("now tz:UTC")
    assert "is not a selector" in usage("now prod")


def test_a_missing_or_unknown_subcommand_lists_the_usage() -> None:
    assert "digest add <schedule>" in usage("")
    assert "Did you mean `digest remove`" in usage("remvoe abc")
