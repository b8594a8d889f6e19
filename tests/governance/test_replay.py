"""A signed Slack request is acted on once, whichever instance it reaches and across a restart: a second
instance sharing the database, or the next process, answers its replay with 401. On both backends."""

from __future__ import annotations

from slack_bolt.async_app import AsyncBoltRequest
from sqlalchemy import func, select

from bot.app import Bot
from bot.slack_double.inbound import InboundFactory, SlackRequest
from bot.storage.tables import seen_signatures
from tests.governance.conftest import CHANNEL, VIEWER, Gov, MakeGov

SECRET = "governance-secret"  # the signing secret make_gov configures


def help_command(gov: Gov) -> SlackRequest:
    url = gov.double.new_response_url(channel=CHANNEL, user=VIEWER)
    return InboundFactory(SECRET).slash_command(
        text="help", user=VIEWER, channel=CHANNEL, response_url=url, trigger_id="T1"
    )


async def deliver(bot: Bot, request: SlackRequest) -> int:
    answer = await bot.app.async_dispatch(
        AsyncBoltRequest(body=request.body.decode(), headers=dict(request.headers))
    )
    return answer.status


async def test_a_request_replayed_to_a_second_instance_sharing_the_database_is_refused(
    make_gov: MakeGov, database_url: str
) -> None:
    one = await make_gov(database_url=database_url, start=True)
    request = help_command(one)
    assert await deliver(one.bot, request) == 200
    assert one.bot.replay is not None
    if one.bot.database.is_sqlite:
        # SQLite is one process by design: the other instance is the next one, started after this
        # one wrote its signatures behind
        await one.bot.replay.flush()
    other = await make_gov(database_url=database_url, start=True)
    assert await deliver(other.bot, request) == 401
    assert await deliver(one.bot, request) == 401


async def test_on_postgresql_a_replay_is_refused_by_a_replica_already_running(
    make_gov: MakeGov, postgres_url: str
) -> None:
    one = await make_gov(database_url=postgres_url, start=True)
    other = await make_gov(database_url=postgres_url, start=True)  # started before the request came
    request = help_command(one)
    assert await deliver(one.bot, request) == 200
    assert await deliver(other.bot, request) == 401


async def test_a_request_replayed_after_a_restart_is_refused(make_gov: MakeGov, database_url: str) -> None:
    first = await make_gov(database_url=database_url, start=True)
    request = help_command(first)
    assert await deliver(first.bot, request) == 200
    await first.bot.aclose(drain_seconds=0)  # a clean stop writes what is pending
    restarted = await make_gov(database_url=database_url, start=True)
    assert await deliver(restarted.bot, request) == 401
    fresh = help_command(restarted)  # Slack's next delivery, signed anew, goes through
    assert await deliver(restarted.bot, fresh) == 200


async def test_seen_signatures_older_than_the_window_are_purged(make_gov: MakeGov, database_url: str) -> None:
    gov = await make_gov(database_url=database_url, start=True)
    assert await deliver(gov.bot, help_command(gov)) == 200
    replay = gov.bot.replay
    assert replay is not None
    await replay.flush()
    gov.clock.advance(7 * 60)  # past the 6-minute window
    await gov.sleep(61)  # and past the purge interval
    await replay.flush()
    async with gov.bot.database.begin() as connection:
        assert await connection.scalar(select(func.count()).select_from(seen_signatures)) == 0
