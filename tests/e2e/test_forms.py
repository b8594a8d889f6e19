"""`/hvr digest add` and `/hvr watch` typed bare open a form; its submission makes the subscription the
typed command makes, and a bad field is answered under that field, in the modal."""

from __future__ import annotations

from bot.blocks import ids
from bot.slack_double import View
from tests.e2e.harness import CHANNEL, E2E, OPERATOR, VIEWER, all_text


async def opened(e2e: E2E, text: str, *, user: str = OPERATOR) -> View:
    before = len(e2e.double.modals())
    await e2e.command(text, user=user)
    await e2e.double.wait_for(lambda: len(e2e.double.modals()) > before or None)
    return e2e.double.modals()[-1]


async def test_a_bare_digest_add_opens_a_form_whose_submission_creates_the_digest(e2e: E2E) -> None:
    form = await opened(e2e, "digest add")
    assert form.view["callback_id"] == ids.DIGEST_FORM
    assert [b["block_id"] for b in form.view["blocks"]] == ["schedule", "tz", "selector", "only"]

    response = await e2e.submit(
        form.id,
        {
            "schedule": "weekdays 09:00",
            "tz": "Europe/Berlin",
            "selector": "status:failing",
            "only": ["only_problems"],
        },
    )

    assert response.status_code == 200 and response.text == ""  # an empty ack closes the modal
    assert e2e.double.modals()[-1].closed
    [digest] = await e2e.bot.digests.subscriptions.list_for_channel(CHANNEL, "digest")
    assert (digest.schedule, digest.timezone, digest.selector) == (
        "weekdays 09:00",
        "Europe/Berlin",
        "status:failing",
    )
    assert (digest.created_by, digest.options) == (OPERATOR, {"only_problems": True})
    told = await e2e.wait_for_text("added", since=None)
    assert not told.ephemeral and told.channel == CHANNEL and digest.id in all_text(told)


async def test_a_bad_field_is_answered_under_that_field_and_nothing_is_saved(e2e: E2E) -> None:
    form = await opened(e2e, "digest add")

    response = await e2e.submit(form.id, {"schedule": "every 2m", "tz": "Mars/Olympus"})

    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    shown = e2e.double.modals()[-1]
    assert not shown.closed and set(shown.errors) == {"schedule", "tz"}
    assert "Mars/Olympus" in shown.errors["tz"]
    assert await e2e.bot.digests.subscriptions.list_for_channel(CHANNEL, "digest") == []

    # corrected in the same modal, it goes through
    await e2e.submit(form.id, {"schedule": "every 15m", "tz": "UTC"})
    assert e2e.double.modals()[-1].closed
    assert len(await e2e.bot.digests.subscriptions.list_for_channel(CHANNEL, "digest")) == 1


async def test_a_bare_watch_opens_a_form_with_the_default_events_and_makes_the_watch(e2e: E2E) -> None:
    form = await opened(e2e, "watch")
    assert form.view["callback_id"] == ids.WATCH_FORM

    await e2e.submit(form.id, {"selector": "status:broken", "events": ["failures", "delays"]})

    assert e2e.double.modals()[-1].closed
    [watch] = await e2e.bot.alerts.list_watches(CHANNEL)
    assert (watch.selector, watch.options) == ("status:broken", {"events": ["failures", "delays"]})
    await e2e.wait_for_text("Watching", since=None)


async def test_a_watch_with_no_event_ticked_is_refused_in_the_modal(e2e: E2E) -> None:
    form = await opened(e2e, "watch")

    await e2e.submit(form.id, {"events": []})

    assert set(e2e.double.modals()[-1].errors) == {"events"}
    assert await e2e.bot.alerts.list_watches(CHANNEL) == []


async def test_a_viewer_is_refused_before_any_form_opens(e2e: E2E) -> None:
    sent = await e2e.command("digest add", user=VIEWER)

    await e2e.wait_for_text("operator", since=sent)
    assert e2e.double.modals() == []


async def test_the_text_forms_keep_working(e2e: E2E) -> None:
    sent = await e2e.command("digest add daily 08:30 tz:UTC")
    await e2e.wait_for_text("added", since=sent)
    sent = await e2e.command("watch events:failures")
    await e2e.wait_for_text("Watching", since=sent)
    assert e2e.double.modals() == []
