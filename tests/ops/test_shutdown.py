"""Shutting a bot down hands its unfinished work back: another replica may take its claims at once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from bot.app import build_bot
from bot.config import Settings
from bot.storage.claims import ClaimRepo
from bot.storage.db import Database
from bot.storage.subscriptions import SubscriptionRepo


def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=SecretStr("xoxb-shutdown"),
        slack_signing_secret=SecretStr("signing"),
        fivetran_api_key=SecretStr("k"),
        fivetran_api_secret=SecretStr("s"),
        hvr_watch_interval=0,
        database_url=database_url,
    )


async def test_aclose_releases_a_fire_claim_the_scheduler_had_not_finished(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    bot = build_bot(settings(url))
    await bot.start()
    sub = await SubscriptionRepo(bot.database).add(
        kind="digest", channel_id="C0SHUT001", created_by="U0SHUT001", timezone="UTC", schedule="every 5m"
    )
    fire = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)
    # The fire this replica was posting when it was told to stop: claimed, not done.
    assert await bot.digests.claims.try_claim(sub.id, fire, bot.digests.holder, 600)
    other = Database(url)
    try:
        assert not await ClaimRepo(other).try_claim(sub.id, fire, "replica-b", 600)

        await bot.aclose()

        assert await ClaimRepo(other).try_claim(sub.id, fire, "replica-b", 600)
    finally:
        await other.dispose()


async def test_aclose_runs_the_work_held_behind_a_request_still_under_way(tmp_path: Path) -> None:
    """The collector's resume waits behind the requests being handled; one still under way when the bot
    stops (its loop may never bring it to its end) must not keep the collector off."""
    bot = build_bot(settings(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"))
    await bot.start()
    request = bot.router.foreground.busy()
    request.__enter__()  # never left
    done: list[str] = []
    bot.router.foreground.after(lambda: done.append("resumed"))
    assert done == []

    await bot.aclose()

    assert done == ["resumed"]


async def test_a_shutdown_step_that_fails_is_logged_and_the_rest_still_close(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The database broken under a running bot (here its claims table dropped by hand): the scheduler
    cannot release its claims, which their leases will; the deliverer, the clients and the rest still stop."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    bot = build_bot(settings(url))
    await bot.start()
    other = Database(url)
    try:
        async with other.begin() as connection:
            await connection.execute(text("DROP TABLE fire_claims"))
    finally:
        await other.dispose()

    with caplog.at_level(logging.ERROR):
        await bot.aclose()

    (failed,) = [r for r in caplog.records if r.getMessage().startswith("shutdown:")]
    assert "the digest scheduler" in failed.getMessage() and failed.exc_info is not None
    assert bot.http.is_closed
    assert not bot.outbox.deliverer.running
