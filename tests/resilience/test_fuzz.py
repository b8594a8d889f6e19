"""Hypothesis fuzzing of the two parsers that take free text from people: whatever is typed, the answer is a
command or a usage error for the person, never another exception. Bounded example counts keep it fast."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.grammar import VERBS, UsageError, parse
from bot.scheduler.schedule import Schedule, ScheduleError, parse_schedule

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = st.sampled_from(
    [*VERBS, "--force", "group:", "status:failing", "service:x", "only:problems", "tz:Europe/Paris", "add",
     "remove", "now", "list", "grant", "revoke", "admin", "limit:5", "every", "15m", "daily", "09:00",
     "public.orders", '"', "'", "<@U123>", "<!channel>", "<https://evil|x>", "\x00", "ｓｙｎｃ", "\u202e"]
)  # fmt: skip
COMMANDS = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=8).map(" ".join),
)
SCHEDULE_WORDS = st.sampled_from(
    ["hourly", "every", "daily", "weekdays", "weekends", "mon", "thu", "mon,thu", "5m", "15m", "1h", "90",
     "minutes", "09:00", "24:00", "8:30", "23:59", '"0 9 * * mon-fri"', '"*/1 * * * *"', "*", "0", "-1"]
)  # fmt: skip
SCHEDULES = st.one_of(st.text(max_size=60), st.lists(SCHEDULE_WORDS, max_size=6).map(" ".join))


@FUZZ
@given(COMMANDS)
def test_any_command_text_parses_to_a_command_or_a_usage_error_for_the_person(text: str) -> None:
    try:
        command = parse(text)
    except UsageError as error:
        assert str(error).strip()  # something a person can read
        return
    assert command is not None


@FUZZ
@given(SCHEDULES)
def test_any_schedule_text_parses_to_a_canonical_schedule_or_a_schedule_error(text: str) -> None:
    tz = ZoneInfo("Europe/Paris")
    try:
        schedule = parse_schedule(text, tz)
    except ScheduleError as error:
        assert error.problem.strip()
        return
    assert isinstance(schedule, Schedule)
    assert parse_schedule(schedule.text, tz).text == schedule.text  # canonical text round-trips
