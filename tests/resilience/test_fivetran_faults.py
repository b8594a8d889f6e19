"""Fivetran misbehaving: 429 storms, 5xx bursts, timeouts, resets, malformed answers, a 10-minute outage.

The person always gets a plain answer; a change is never sent to Fivetran twice; digests say the data could
not be fetched; the watcher stays quiet instead of announcing an outage as broken connectors.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from bot.slack_double.store import Message
from bot.storage.watch_state import WatchStateRepo
from tests.e2e.harness import CHANNEL, LIST_CONNECTIONS, SYNC, all_text, labels
from tests.resilience.checks import assert_plain_answer
from tests.resilience.harness import Resilient

CONNECTIONS = r"^/v1/connections$"
SYNC_PATH = r"^/v1/connections/[^/]+/sync$"


async def ask(rb: Resilient, text: str, needle: str) -> Message:
    sent = await rb.e2e.command(text)
    message = await rb.e2e.wait_for_message(lambda m: needle in all_text(m), since=sent)
    await rb.e2e.settle()
    return message


def connector_rows(message: Message) -> int:
    return sum(1 for label in labels(message) if label == "Show")


async def test_a_429_storm_is_waited_out_for_its_retry_after_and_the_list_arrives(rb: Resilient) -> None:
    rb.e2e.sim.faults.script(method="GET", path_regex=CONNECTIONS, status=429, times=3)

    answer = await ask(rb, "list", "12 connectors")

    assert_plain_answer(answer)
    assert "12 connectors" in all_text(answer)
    assert rb.sleeps.waits.count(1.0) >= 3  # the simulator's Retry-After: 1, honoured each time
    assert rb.e2e.sim_count(LIST_CONNECTIONS) == 4


async def test_a_429_whose_retry_after_is_an_hour_is_not_waited_out_and_the_person_hears_when_to_retry(
    rb: Resilient,
) -> None:
    rb.e2e.sim.limits.hourly_budget = 0  # the account's budget is spent: Retry-After 3600

    answer = await ask(rb, "list", "budget")

    assert_plain_answer(answer)
    assert "Try again in 60 min" in answer.text
    assert 3600 not in rb.sleeps.waits  # never slept the hour away...
    assert rb.e2e.sim_count(LIST_CONNECTIONS) == 1  # ...nor asked again


async def test_a_5xx_burst_on_a_read_is_retried_and_the_answer_arrives(rb: Resilient) -> None:
    rb.e2e.sim.faults.script(method="GET", path_regex=CONNECTIONS, status=503, times=3)

    answer = await ask(rb, "list", "12 connectors")

    assert "12 connectors" in all_text(answer)
    assert rb.e2e.sim_count(LIST_CONNECTIONS) == 4


async def test_a_5xx_outlasting_the_retries_is_told_in_plain_words_with_a_reference(rb: Resilient) -> None:
    rb.e2e.sim.faults.script(method="GET", path_regex=CONNECTIONS, status=502, times=50)

    answer = await ask(rb, "list", "Fivetran")

    assert_plain_answer(answer)
    assert "Fivetran had an internal problem" in answer.text
    assert "Reference:" in all_text(answer)
    assert rb.e2e.sim_count(LIST_CONNECTIONS) == 4  # bounded: max_attempts, then stop


async def test_a_5xx_answering_a_sync_request_is_not_sent_again_and_the_person_is_told_to_check(
    rb: Resilient,
) -> None:
    _, name = rb.e2e.connection_named("healthy")
    rb.e2e.sim.faults.script(method="POST", path_regex=SYNC_PATH, status=500, times=5)

    answer = await ask(rb, f"sync {name}", "Fivetran")

    assert_plain_answer(answer)
    assert rb.e2e.sim_count(SYNC) == 1
    assert "may or may not have acted" in answer.text


async def test_a_read_timeout_after_a_sync_request_is_not_sent_again(rb: Resilient) -> None:
    _, name = rb.e2e.connection_named("healthy")
    rb.e2e.tamper.crash_next("POST", SYNC_PATH, httpx.ReadTimeout("simulated read timeout"))

    sent = await rb.e2e.command(f"sync {name}")
    answer = await rb.e2e.wait_for_text("Fivetran", since=sent)
    await rb.e2e.settle()

    assert_plain_answer(answer)
    assert rb.e2e.sim_count(SYNC) == 0  # the tampered request never reached the simulator...
    # ...and it was not sent a second time either (which would have reached it)
    assert rb.e2e.sim.requests_by_operation[SYNC] == 0


async def test_a_read_timeout_on_a_read_is_retried_and_the_answer_arrives(rb: Resilient) -> None:
    rb.e2e.tamper.crash_next("GET", CONNECTIONS, httpx.ReadTimeout("simulated read timeout"))

    answer = await ask(rb, "list", "12 connectors")

    assert "12 connectors" in all_text(answer)
    assert rb.e2e.sim_count(LIST_CONNECTIONS) == 1  # the timed-out attempt never reached it


async def test_a_connection_reset_on_a_read_is_retried_and_the_answer_arrives(rb: Resilient) -> None:
    rb.e2e.sim.faults.script(method="GET", path_regex=CONNECTIONS, kind="reset", times=2)

    answer = await ask(rb, "list", "12 connectors")

    assert "12 connectors" in all_text(answer)
    assert rb.e2e.sim_count(LIST_CONNECTIONS) == 3


async def test_a_connection_reset_after_a_sync_request_is_not_resent_and_not_called_nothing_changed(
    rb: Resilient,
) -> None:
    # The simulator acted (the sync runs), then the connection dropped before the answer arrived.
    _, name = rb.e2e.connection_named("healthy")
    rb.e2e.sim.faults.script(method="POST", path_regex=SYNC_PATH, kind="reset")

    answer = await ask(rb, f"sync {name}", "Fivetran")

    assert_plain_answer(answer)
    assert rb.e2e.sim_count(SYNC) == 1
    # The sync did start in Fivetran, so "nothing was changed" would be false.
    assert "Nothing was changed" not in answer.text, answer.text


async def test_a_truncated_json_answer_is_told_in_plain_words(rb: Resilient) -> None:
    rb.e2e.sim.faults.script(method="GET", path_regex=CONNECTIONS, kind="malformed_json")

    answer = await ask(rb, "list", "Fivetran")

    assert_plain_answer(answer)
    assert answer.text == ":warning: Fivetran answered with something unexpected."


async def test_an_envelope_with_an_unexpected_code_is_told_in_plain_words(rb: Resilient) -> None:
    rb.e2e.sim.faults.script(method="GET", path_regex=CONNECTIONS, kind="unexpected_code")

    answer = await ask(rb, "list", "Fivetran")

    assert_plain_answer(answer)
    assert answer.text == ":warning: Fivetran answered with something unexpected."


async def test_a_ten_minute_outage_gives_errors_digests_that_say_so_and_no_alert_flood(
    rb: Resilient,
) -> None:
    e2e = rb.e2e
    bot = e2e.bot
    await ask(rb, "watch events:failures,recoveries", "watch")
    await ask(rb, "digest add every 15m", "every 15")
    (sub, _), *_ = await bot.digests.list(CHANNEL)
    baseline = await bot.watcher.poll_once()
    assert baseline.ok and baseline.baselined == 12
    states_before = await WatchStateRepo(bot.database).get_all()
    posts_before = len(e2e.double.calls_to("chat.postMessage"))

    # The outage: every request answers 503 for ten simulated minutes.
    e2e.sim.faults.script(status=503, times=100_000)
    bot.cache.invalidate()  # the last good snapshot is older than any "fresh" window by now
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    answers = []
    for _ in range(5):  # ten simulated minutes
        e2e.clock.advance(120)
        answers.append(await ask(rb, "list", "Fivetran"))
        poll = await bot.watcher.poll_once()
        assert not poll.ok and poll.announced == 0
    outcome = await bot.digests.fire(sub.id, start + timedelta(minutes=10))
    unavailable = await e2e.wait_for_text("could not be fetched")

    for answer in answers:
        assert_plain_answer(answer)
        assert "Fivetran had an internal problem" in answer.text
    assert outcome.value == "posted-unavailable"
    assert_plain_answer(unavailable)
    assert not unavailable.ephemeral and unavailable.channel == CHANNEL
    assert "Healthy" not in all_text(unavailable) and "Broken" not in all_text(unavailable)
    assert await WatchStateRepo(bot.database).get_all() == states_before
    digest_posts = [c for c in e2e.double.calls_to("chat.postMessage")[posts_before:]]
    assert len(digest_posts) == 1  # the digest, and not one alert

    # Fivetran is back: nothing changed, so nothing is announced; the next digest shows health again.
    e2e.sim.faults.clear()
    after = await bot.watcher.poll_once()
    assert after.ok and after.announced == 0 and not after.held
    await bot.digests.fire(sub.id, start + timedelta(minutes=15))
    healthy = await e2e.wait_for_message(
        lambda m: "could not be fetched" not in m.text and "Digest" in m.text
    )
    assert "connectors" in all_text(healthy).lower()
