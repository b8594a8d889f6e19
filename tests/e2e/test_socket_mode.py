"""Socket Mode: without a signing secret the HTTP events route is not served at all (nothing could verify
what arrives there); with one it verifies like HTTP mode. Envelopes from Slack's WebSocket reach the
listeners through Bolt's own Socket Mode conversion, first deliveries included."""

from __future__ import annotations

import itertools
from typing import Any

from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from tests.e2e.harness import ADMIN, E2E, OPERATOR, VIEWER, running_bot

APP_TOKEN = "xapp-1-A0E2E-socket"
_envelopes = itertools.count(1)


async def post_forged_grant(e2e: E2E) -> int:
    """POSTs `/hvr access grant <@U666> admin` as the admin would type it, without Slack's signature;
    asserts that nothing was granted or posted, and returns the HTTP status."""
    request, _ = e2e.slash("access grant <@U666> admin", user=ADMIN)
    unsigned = {k: v for k, v in request.headers.items() if k != "x-slack-signature"}
    answer = await e2e.http.post("/slack/events", content=request.body, headers=unsigned)
    await e2e.settle()
    assert await e2e.bot.router.deps.access.list() == []
    assert e2e.double.all_messages() == []
    return answer.status_code


async def test_socket_mode_without_a_signing_secret_answers_404_on_slack_events_and_writes_no_grant() -> None:
    async with running_bot(app_token=APP_TOKEN, signed=False) as e2e:
        assert await post_forged_grant(e2e) == 404
        # what Socket Mode still serves over HTTP
        assert (await e2e.http.get("/healthz")).status_code == 200
        assert (await e2e.http.get("/metrics")).status_code == 200
        assert (await e2e.http.get("/readyz")).status_code in (200, 503)


async def test_socket_mode_with_a_signing_secret_refuses_a_forged_request_with_401_and_takes_a_signed_one() -> (
    None
):
    async with running_bot(app_token=APP_TOKEN, signed=True) as e2e:
        assert await post_forged_grant(e2e) == 401

        signed = await e2e.command("access grant <@U666> admin", user=ADMIN)
        await e2e.settle()
        assert signed.response.status_code == 200
        grants = await e2e.bot.router.deps.access.list()
        assert [(g.subject_id, g.role) for g in grants] == [("U666", "admin")]


def home_opened(user: str, *, retry_attempt: int, retry_reason: str) -> SocketModeRequest:
    """An `app_home_opened` envelope as Slack sends it over the WebSocket."""
    number = next(_envelopes)
    envelope: dict[str, Any] = {
        "type": "events_api",
        "envelope_id": f"env-{number}",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": retry_reason,
        "payload": {
            "token": "deprecated-verification-token",
            "team_id": "T0DOUBLE1",
            "api_app_id": "A0DOUBLE1",
            "type": "event_callback",
            "event_id": f"Ev{number:08d}",
            "event_time": 1_790_000_000,
            "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME001", "tab": "home"},
        },
    }
    request = SocketModeRequest.from_dict(envelope)
    assert request is not None
    return request


async def test_a_socket_mode_first_delivery_of_app_home_opened_publishes_the_home_tab() -> None:
    async with running_bot(app_token=APP_TOKEN, signed=False) as e2e:
        # Bolt's own conversion of the envelope (1.29+ turns retry_attempt 0 into x-slack-retry-num: 0)
        answer = await run_async_bolt_app(
            e2e.bot.app, home_opened(OPERATOR, retry_attempt=0, retry_reason="")
        )

        assert answer.status == 200
        assert "x-slack-no-retry" not in answer.headers
        await e2e.double.wait_for(lambda: e2e.double.home(OPERATOR))
        assert [c.method for c in e2e.double.calls_to("views.publish")] == ["views.publish"]


async def test_a_socket_mode_retry_of_app_home_opened_is_ignored() -> None:
    async with running_bot(app_token=APP_TOKEN, signed=False) as e2e:
        retry = await run_async_bolt_app(
            e2e.bot.app, home_opened(VIEWER, retry_attempt=1, retry_reason="timeout")
        )
        # the control: a first delivery after it is handled, so the retry's absence is not a slow publish
        await run_async_bolt_app(e2e.bot.app, home_opened(OPERATOR, retry_attempt=0, retry_reason=""))
        await e2e.double.wait_for(lambda: e2e.double.home(OPERATOR))

        assert retry.status == 200 and retry.headers.get("x-slack-no-retry") == ["1"]
        assert e2e.double.home(VIEWER) is None
        assert len(e2e.double.calls_to("views.publish")) == 1
