"""Names for plain text from users.info, through the cache, against the Slack double as Slack answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.people import People
from bot.slack_double import SlackDouble
from tests.fakes import FakeClock

TOKEN = "xoxb-people"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def double(clock: FakeClock) -> AsyncIterator[SlackDouble]:
    async with SlackDouble(bot_token=TOKEN, clock=clock.timestamp) as running:
        yield running


@pytest.fixture
def people(double: SlackDouble, clock: FakeClock) -> People:
    web = AsyncWebClient(token=TOKEN, base_url=double.api_url)
    return People(web, clock=clock.timestamp, ttl=3600, unknown_ttl=300, size=3)


def asked(double: SlackDouble) -> list[str]:
    return [str(call.params.get("user")) for call in double.calls_to("users.info")]


async def test_the_name_is_the_display_name_when_set_else_the_real_name(
    people: People, double: SlackDouble
) -> None:
    double.set_user("U0ADA", name="ada", real_name="Ada Lovelace")
    double.set_user("U0GRACE", name="grace", real_name="Grace Hopper", display_name="Amazing Grace")

    assert await people.name("U0ADA") == "Ada Lovelace"
    assert await people.name("U0GRACE") == "Amazing Grace"


async def test_a_name_is_asked_once_an_hour(people: People, double: SlackDouble, clock: FakeClock) -> None:
    double.set_user("U0ADA", real_name="Ada Lovelace")
    assert await people.name("U0ADA") == "Ada Lovelace"
    double.set_user("U0ADA", real_name="Ada King")  # renamed: the cache says the old name for a while
    clock.advance(59 * 60)
    assert await people.name("U0ADA") == "Ada Lovelace"
    assert asked(double) == ["U0ADA"]

    clock.advance(2 * 60)

    assert await people.name("U0ADA") == "Ada King"
    assert asked(double) == ["U0ADA", "U0ADA"]


async def test_someone_slack_does_not_know_has_no_name_and_is_asked_again_after_a_few_minutes(
    people: People, double: SlackDouble, clock: FakeClock
) -> None:
    double.remove_user("U0GONE")

    assert await people.name("U0GONE") is None
    assert await people.name("U0GONE") is None
    assert asked(double) == ["U0GONE"]
    double.set_user("U0GONE", real_name="Back Again")
    clock.advance(6 * 60)
    assert await people.name("U0GONE") == "Back Again"


async def test_slack_failing_gives_no_name_and_nothing_is_kept(people: People, double: SlackDouble) -> None:
    double.set_user("U0ADA", real_name="Ada Lovelace")
    double.fail_next("users.info", status=500)

    assert await people.name("U0ADA") is None
    assert await people.name("U0ADA") == "Ada Lovelace"  # asked again, not a remembered failure


async def test_what_is_not_a_user_id_is_never_asked_about(people: People, double: SlackDouble) -> None:
    for text in ("<!here>", "S0GROUP", "u0lower", ""):
        assert await people.name(text) is None
    assert asked(double) == []


async def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used(
    people: People, double: SlackDouble
) -> None:
    for user in ("U0A", "U0B", "U0C"):
        await people.name(user)
    await people.name("U0A")  # used again: U0B is now the oldest
    await people.name("U0D")

    await people.name("U0A")
    await people.name("U0B")

    assert asked(double) == ["U0A", "U0B", "U0C", "U0D", "U0B"]
