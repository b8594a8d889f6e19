from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduler.schedule import ACCEPTED, Schedule, ScheduleError, parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a winter Monday


def utc_times(schedule: Schedule, after: datetime, n: int) -> list[str]:
    return [t.astimezone(UTC).strftime("%a %m-%d %H:%M") for t in schedule.next_fire_times(after, n)]


def local_times(schedule: Schedule, after: datetime, n: int) -> list[str]:
    return [t.strftime("%a %H:%M") for t in schedule.next_fire_times(after, n)]


@pytest.mark.parametrize(
    ("text", "canonical", "description"),
    [
        ("hourly", "hourly", "every hour at :00 Europe/Berlin"),
        ("every 15m", "every 15m", "every 15 minutes Europe/Berlin"),
        ("every 15 minutes", "every 15m", "every 15 minutes Europe/Berlin"),
        ("every 60m", "hourly", "every hour at :00 Europe/Berlin"),
        ("every 2h", "every 2h", "every 2 hours Europe/Berlin"),
        ("every 120m", "every 2h", "every 2 hours Europe/Berlin"),
        ("every 45m", "every 45m", "every 45 minutes Europe/Berlin"),
        ("daily 9:00", "daily 09:00", "every day at 09:00 Europe/Berlin"),
        ("Daily at 09:00", "daily 09:00", "every day at 09:00 Europe/Berlin"),
        ("weekdays 09:00", "weekdays 09:00", "every weekday at 09:00 Europe/Berlin"),
        ("mon-fri 09:00", "weekdays 09:00", "every weekday at 09:00 Europe/Berlin"),
        ("thu,mon 08:30", "mon,thu 08:30", "every Monday and Thursday at 08:30 Europe/Berlin"),
        ("Monday,Thursday  08:30", "mon,thu 08:30", "every Monday and Thursday at 08:30 Europe/Berlin"),
        (
            "fri-mon 07:05",
            "mon,fri,sat,sun 07:05",
            "every Monday, Friday, Saturday and Sunday at 07:05 Europe/Berlin",
        ),
        (
            '"0 9 * * mon-fri"',
            '"0 9 * * mon,tue,wed,thu,fri"',
            'cron "0 9 * * mon,tue,wed,thu,fri" Europe/Berlin',
        ),
        ("“30 8 * * 1”", '"30 8 * * mon"', 'cron "30 8 * * mon" Europe/Berlin'),
        ("0 9 * * *", '"0 9 * * *"', 'cron "0 9 * * *" Europe/Berlin'),
    ],
)
def test_each_form_is_normalised_and_described(text: str, canonical: str, description: str) -> None:
    schedule = parse_schedule(text, BERLIN)
    assert schedule.text == canonical
    assert schedule.describe() == description
    assert parse_schedule(schedule.text, BERLIN).text == canonical


def test_triggers_always_carry_the_schedule_time_zone() -> None:
    for text in ("hourly", "every 15m", "every 45m", "daily 09:00", '"0 9 * * 1"'):
        trigger = parse_schedule(text, BERLIN).trigger()
        assert isinstance(trigger, CronTrigger | IntervalTrigger)
        assert trigger.timezone == BERLIN


def test_every_15m_is_aligned_to_the_clock() -> None:
    schedule = parse_schedule("every 15m", BERLIN)
    assert local_times(schedule, MONDAY + timedelta(minutes=7), 4) == [
        "Mon 01:15", "Mon 01:30", "Mon 01:45", "Mon 02:00",
    ]  # fmt: skip


def test_hourly_fires_on_the_hour() -> None:
    assert local_times(parse_schedule("hourly", BERLIN), MONDAY + timedelta(minutes=1), 2) == [
        "Mon 02:00",
        "Mon 03:00",
    ]


def test_next_fire_times_are_strictly_after_the_given_time_and_in_the_zone() -> None:
    schedule = parse_schedule("daily 09:00", BERLIN)
    nine = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)
    times = schedule.next_fire_times(nine, 2)
    assert times == [nine + timedelta(days=1), nine + timedelta(days=2)]
    assert all(t.tzinfo == BERLIN for t in times)


def test_weekdays_skip_the_weekend() -> None:
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=BERLIN)
    assert local_times(parse_schedule("weekdays 09:00", BERLIN), friday, 2) == ["Mon 09:00", "Tue 09:00"]


def test_cron_numeric_days_follow_standard_cron_not_apscheduler() -> None:
    # In APScheduler 3.x `1` would be Tuesday; in cron, and for the user, it is Monday.
    assert local_times(parse_schedule('"0 9 * * 1"', BERLIN), MONDAY, 2) == ["Mon 09:00", "Mon 09:00"]
    assert parse_schedule('"0 9 * * 0"', BERLIN).text == '"0 9 * * sun"'
    assert parse_schedule('"0 9 * * 7"', BERLIN).text == '"0 9 * * sun"'
    assert parse_schedule('"0 9 * * 1-5"', BERLIN).text == '"0 9 * * mon,tue,wed,thu,fri"'
    assert parse_schedule('"0 9 * * */2"', BERLIN).text == '"0 9 * * tue,thu,sat,sun"'
    assert parse_schedule('"0 9 * * 0-6"', BERLIN).text == '"0 9 * * *"'


def test_daily_0900_in_berlin_is_0800_utc_in_winter_and_0700_utc_in_summer() -> None:
    schedule = parse_schedule("daily 09:00", BERLIN)
    assert utc_times(schedule, datetime(2026, 3, 28, tzinfo=UTC), 3) == [
        "Sat 03-28 08:00", "Sun 03-29 07:00", "Mon 03-30 07:00",
    ]  # fmt: skip
    assert utc_times(schedule, datetime(2026, 10, 24, tzinfo=UTC), 3) == [
        "Sat 10-24 07:00", "Sun 10-25 08:00", "Mon 10-26 08:00",
    ]  # fmt: skip


def test_a_time_in_the_skipped_march_hour_still_fires_once_that_day() -> None:
    times = parse_schedule("daily 02:30", BERLIN).next_fire_times(datetime(2026, 3, 28, tzinfo=UTC), 3)
    assert [t.date().isoformat() for t in times] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    assert times[1].astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time


def test_a_time_in_the_repeated_october_hour_fires_once() -> None:
    schedule = parse_schedule("daily 02:30", BERLIN)
    assert utc_times(schedule, datetime(2026, 10, 24, tzinfo=UTC), 3) == [
        "Sat 10-24 00:30", "Sun 10-25 00:30", "Mon 10-26 01:30",
    ]  # fmt: skip


def test_every_15m_keeps_firing_forward_through_the_repeated_october_hour() -> None:
    times = parse_schedule("every 15m", BERLIN).next_fire_times(datetime(2026, 10, 25, 0, 20, tzinfo=UTC), 8)
    instants = [t.astimezone(UTC) for t in times]
    assert instants == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC) + timedelta(minutes=15 * i) for i in range(8)
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("every 2m", "`every 2m` is too often: the minimum is every 5 minutes"),
        ("every 0m", "`every 0m` is too often: the minimum is every 5 minutes"),
        ("every 15", "`every 15` needs a unit: `every 15m` or `every 15h`"),
        ("every 30h", "`every 30h` is too long"),
        ("daily 25:00", "`25:00` is not a time of day: use 00:00 to 23:59"),
        ("daily 09:60", "`09:60` is not a time of day"),
        ("daily", "`daily` needs a time, like `daily 09:00`"),
        ("mon,thr 08:30", "`thr` is not a day: did you mean `thu`?"),
        ("dayly 09:00", "`dayly` is not understood: did you mean `daily`?"),
        ("mon,thu", "`mon,thu` needs a time, like `mon,thu 08:30`"),
        ("AT", "`at` needs days and a time, like `daily 09:00`"),
        (
            '"0 9 * *"',
            'A cron schedule has five fields (minute hour day-of-month month day-of-week); "0 9 * *" has 4',
        ),
        ('"0 9 * * * *"', "has 6"),
        ('"* * * * *"', '"* * * * *" is too often: it fires 1 minute apart'),
        ('"*/7 * * * *"', "fires 4 minutes apart"),
        ('"0,2 9 * * *"', "fires 2 minutes apart"),
        ('"0 0 30 2 *"', '"0 0 30 2 *" never fires'),
        ('"61 9 * * *"', "is not valid cron"),
        ('"0 9 * * 8"', "day of week `8` is out of range"),
        ('"0 9 1 * mon"', "sets both a day of month and a day of week"),
        ("", "No schedule given"),
    ],
)
def test_invalid_schedules_are_refused_with_the_problem_and_the_accepted_forms(
    text: str, problem: str
) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text, BERLIN)
    assert problem in str(caught.value)
    assert str(caught.value).endswith(ACCEPTED)


def test_the_minimum_allows_exactly_five_minutes() -> None:
    assert parse_schedule("every 5m", BERLIN).text == "every 5m"
    assert parse_schedule('"*/5 * * * *"', BERLIN).text == '"*/5 * * * *"'


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_gives_a_schedule_or_a_schedule_error(text: str) -> None:
    try:
        schedule = parse_schedule(text, BERLIN)
    except ScheduleError:
        return
    assert parse_schedule(schedule.text, BERLIN) == schedule


CRON_ATOMS = st.sampled_from(
    ["*", "*/5", "*/15", "0", "1", "5", "7", "9", "0-6", "1-5", "mon", "sun", "30", "*/2"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(CRON_ATOMS, min_size=4, max_size=6).map(lambda parts: '"' + " ".join(parts) + '"'))
def test_cron_like_text_gives_a_schedule_or_a_schedule_error(text: str) -> None:
    try:
        schedule = parse_schedule(text, BERLIN)
    except ScheduleError:
        return
    times = schedule.next_fire_times(MONDAY, 3)
    assert times == sorted(times)
