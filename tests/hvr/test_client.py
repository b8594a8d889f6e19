"""HvrClient against a scripted hub: every request validated against the official definition."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot.hvr import HvrClient, errors
from tests.hvr.fake_hub import TOKEN, FakeHub

BASE = "/api/latest/hubs/hvrhub"
PASSWORD = "s3cret-pw"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def make(hub: FakeHub, clock: Clock | None = None, **kwargs: object) -> HvrClient:
    clock = clock or Clock()
    return HvrClient(
        "http://hub:4340",
        "demo",
        PASSWORD,
        "hvrhub",
        clock=clock,
        sleep=clock.sleep,
        transport=hub.transport(),
        **kwargs,  # type: ignore[arg-type]
    )


STATUS = {
    "hub_state": "LIVE",
    "jobs_over_latency_sla": ["orders-integ-tgt"],
    "license": "VALID",
    "new_field": 1,
}


async def test_logs_in_once_and_sends_the_bearer_token() -> None:
    hub = FakeHub(defaults={f"GET {BASE}/query/status": (200, STATUS)})
    client = make(hub)
    status = await client.status()
    await client.status()
    assert status.live and status.jobs_over_latency_sla == ["orders-integ-tgt"]
    assert hub.paths() == ["POST /auth/v1/password", f"GET {BASE}/query/status", f"GET {BASE}/query/status"]
    assert hub.sent[0].body == {"username": "demo", "password": PASSWORD, "refresh": "token"}
    assert hub.sent[1].authorization == "Bearer acc-1"


async def test_pinned_version_uses_the_definitions_path() -> None:
    path = "/api/v6.1.0.3/hubs/hvrhub/query/status"
    hub = FakeHub(defaults={f"GET {path}": (200, STATUS)})
    await make(hub, api_version="v6.1.0.3").status()
    assert hub.paths()[-1] == f"GET {path}"


async def test_renews_with_the_refresh_token_before_expiry() -> None:
    clock = Clock()
    hub = FakeHub(defaults={f"GET {BASE}/query/status": (200, STATUS)})
    client = make(hub, clock)
    await client.status()
    clock.now += 900 - 30  # inside the renewal margin
    await client.status()
    assert hub.paths()[2] == "POST /auth/v1/refresh"
    assert hub.sent[2].body == {"refresh_token": "ref-1", "refresh": "token"}
    assert hub.sent[3].authorization == "Bearer acc-2"


async def test_a_401_renews_once_and_retries() -> None:
    hub = FakeHub(defaults={f"GET {BASE}/query/status": (200, STATUS)})
    hub.queue(f"GET {BASE}/query/status", 401, "F_JR0101E: token expired")
    assert (await make(hub).status()).live
    assert hub.paths() == [
        "POST /auth/v1/password",
        f"GET {BASE}/query/status",
        "POST /auth/v1/refresh",
        f"GET {BASE}/query/status",
    ]


async def test_a_second_401_is_unauthorized() -> None:
    hub = FakeHub(defaults={f"GET {BASE}/query/status": (401, "F_JR0101E: token expired")})
    with pytest.raises(errors.Unauthorized) as caught:
        await make(hub).status()
    assert caught.value.code == "F_JR0101E"
    assert len(hub.paths()) == 4


async def test_a_refused_refresh_token_logs_in_again() -> None:
    hub = FakeHub(
        defaults={
            f"GET {BASE}/query/status": (200, STATUS),
            "POST /auth/v1/refresh": (403, "F_JR0102E: expired"),
        }
    )
    hub.queue(f"GET {BASE}/query/status", 401, "expired")
    await make(hub).status()
    assert hub.paths().count("POST /auth/v1/password") == 2


async def test_bad_password_is_forbidden_without_the_password() -> None:
    hub = FakeHub(defaults={"POST /auth/v1/password": (403, "F_JR0100E: Authentication failed")})
    with pytest.raises(errors.Forbidden) as caught:
        await make(hub).status()
    assert PASSWORD not in str(caught.value) and caught.value.code == "F_JR0100E"


async def test_password_and_tokens_never_reach_a_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    hub = FakeHub(defaults={f"GET {BASE}/query/status": (200, STATUS), "POST /auth/v1/refresh": (403, "no")})
    hub.queue(f"GET {BASE}/query/status", 401, "expired")
    client = make(hub)
    await client.status()
    text = caplog.text + repr(client) + repr(client._creds) + repr(client._creds.tokens)
    for secret in (PASSWORD, str(TOKEN["access_token"]), str(TOKEN["refresh_token"])):
        assert secret not in text


async def test_get_is_retried_on_5xx_and_timeouts() -> None:
    hub = FakeHub(defaults={f"GET {BASE}/query/status": (200, STATUS)})
    hub.queue(f"GET {BASE}/query/status", 503, "busy")
    assert (await make(hub).status()).live
    assert hub.paths().count(f"GET {BASE}/query/status") == 2


async def test_a_post_is_never_repeated_after_a_5xx() -> None:
    hub = FakeHub()
    hub.queue(f"POST {BASE}/jobs_suspend", 503, "busy")
    with pytest.raises(errors.ServerError):
        await make(hub).suspend_jobs(["orders-cap-src"])
    assert hub.paths().count(f"POST {BASE}/jobs_suspend") == 1


async def test_a_post_that_timed_out_may_have_acted_and_is_not_repeated() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.startswith("/auth"):
            return httpx.Response(200, json=TOKEN)
        raise httpx.ReadTimeout("slow", request=request)

    clock = Clock()
    client = HvrClient(
        "http://hub",
        "demo",
        PASSWORD,
        "hvrhub",
        clock=clock,
        sleep=clock.sleep,
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(errors.Timeout) as caught:
        await client.start_jobs(["orders-integ-tgt"])
    assert caught.value.may_have_acted and calls.count(f"{BASE}/jobs_start") == 1


async def test_suspend_unsuspend_and_start_bodies() -> None:
    hub = FakeHub(
        defaults={
            f"POST {BASE}/jobs_suspend": (204, None),
            f"POST {BASE}/jobs_unsuspend": (204, None),
            f"POST {BASE}/jobs_start": (
                200,
                {
                    "orders-cap-src": {"trigger_ctrl_id": "c1"},
                    "orders-integ-tgt": {"not_started": "Job in state 'SUSPEND'"},
                },
            ),
        }
    )
    client = make(hub)
    jobs = ["orders-cap-src", "orders-integ-tgt"]
    await client.suspend_jobs(jobs)
    await client.unsuspend_jobs(jobs)
    started = await client.start_jobs(jobs)
    assert [s.body for s in hub.sent[1:]] == [
        {"jobs": jobs},
        {"jobs": jobs},
        {"jobs": jobs, "trigger_failed": True, "unsuspend": False},
    ]
    assert {s.job: (s.trigger_ctrl_id, s.not_started) for s in started} == {
        "orders-cap-src": ("c1", None),
        "orders-integ-tgt": (None, "Job in state 'SUSPEND'"),
    }


async def test_start_answered_204_without_body() -> None:
    hub = FakeHub(defaults={f"POST {BASE}/jobs_start": (204, None)})
    assert await make(hub).start_jobs(["a-cap-b"]) == []
