"""The routes a load balancer and a monitoring system call."""

from __future__ import annotations

import httpx

from tests.e2e.harness import E2E, closed_port, no_wait, running_bot


async def test_healthz_answers_200_ok(e2e: E2E) -> None:
    answer = await e2e.http.get("/healthz")

    assert answer.status_code == 200 and answer.text == "ok"


async def test_readyz_answers_200_when_fivetran_answers(e2e: E2E) -> None:
    answer = await e2e.http.get("/readyz")

    assert answer.status_code == 200
    assert answer.json() == {
        "ready": True,
        "checks": {"database": "ok", "fivetran": "ok", "slack": "ok", "scheduler": "ok"},
        "outbox": "empty",
    }
    assert e2e.sim.requests_by_operation["GET /v1/connections"] == 1


async def test_readyz_answers_503_when_fivetran_answers_503() -> None:
    async with running_bot(sleep=no_wait) as e2e:
        e2e.sim.faults.script(method="GET", path_regex=r"^/v1/connections$", status=503, times=10)

        answer = await e2e.http.get("/readyz")

        assert answer.status_code == 503
        body = answer.json()
        assert body["ready"] is False
        assert body["checks"]["fivetran"].startswith("unreachable: ")


async def test_readyz_answers_503_when_fivetrans_answer_cannot_be_decoded(e2e: E2E) -> None:
    e2e.tamper.garble_next("GET", r"^/v1/connections$")

    answer = await e2e.http.get("/readyz")

    assert answer.status_code == 503
    assert answer.json()["checks"]["fivetran"].startswith("unreachable: ")


async def test_readyz_answers_503_when_nothing_listens_at_the_fivetran_url() -> None:
    async with running_bot(fivetran_url=f"http://127.0.0.1:{closed_port()}", sleep=no_wait) as e2e:
        answer = await e2e.http.get("/readyz")

        assert answer.status_code == 503
        assert answer.json()["checks"]["fivetran"].startswith("unreachable: could not connect to Fivetran")
        assert (await e2e.http.get("/healthz")).status_code == 200  # alive, just not ready


async def test_metrics_answers_in_the_prometheus_text_format(e2e: E2E) -> None:
    answer = await e2e.http.get("/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert "# TYPE" in answer.text


async def test_slack_events_refuses_get(e2e: E2E) -> None:
    answer = await e2e.http.get("/slack/events")

    assert answer.status_code == httpx.codes.METHOD_NOT_ALLOWED
