"""The deliverer through its real sender (`bot.slack.direct_post`, as `compose` builds it) and the Slack
double: a refusal for good settles the row with Slack's code, a 429 is waited out with the row released
for its Retry-After, and each is posted once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.blocks.message import Message
from bot.services.runtime.deliverer import Deliverer
from bot.services.runtime.outbox import OutboxPoster
from bot.slack.direct_post import DirectPoster
from bot.slack_double import SlackDouble
from bot.storage.db import Database
from bot.storage.outbox import OutboxRepo, placeholder_id
from tests.fakes import FakeClock, FakeSleep
from tests.slack.direct import TOKEN, direct_poster


@pytest.fixture
async def double() -> AsyncIterator[SlackDouble]:
    async with SlackDouble(bot_token=TOKEN) as running:
        yield running


@pytest.fixture
async def sender(double: SlackDouble) -> AsyncIterator[DirectPoster]:
    async with direct_poster(double.api_url) as opened:
        yield opened


async def test_refused_and_rate_limited_posts_settle_as_slack_said(
    database: Database, double: SlackDouble, sender: DirectPoster
) -> None:
    clock = FakeClock()
    repo = OutboxRepo(database, clock=clock)
    deliverer = Deliverer(repo, sender, holder="h1", now=clock, clock=clock.timestamp, sleep=FakeSleep(clock))
    poster = OutboxPoster(repo)
    refused = await poster.post("C1", Message("to a channel gone"))
    double.fail_next("chat.postMessage", error="channel_not_found")
    await deliverer.run_once()
    limited = await poster.post("C2", Message("slowly"))
    double.fail_next("chat.postMessage", status=429, retry_after=5)
    await deliverer.run_once()

    clock.advance(4)
    assert await deliverer.run_once() == 0  # its Retry-After not over yet
    clock.advance(1)
    assert await deliverer.run_once() == 1

    gone = await repo.get(placeholder_id(refused.ts) or 0)
    posted = await repo.get(placeholder_id(limited.ts) or 0)
    assert gone is not None and gone.outcome == "refused: channel_not_found" and gone.ts is None
    assert posted is not None and posted.done_at is not None and posted.attempts == 1
    assert [m.text for m in double.messages("C2")] == ["slowly"] and not double.messages("C1")
    assert posted.ts == double.messages("C2")[0].ts
