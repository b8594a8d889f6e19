"""Socket Mode while Slack cannot be reached: `serve` opens its HTTP port at once and /readyz says the
Socket Mode connection is not up, instead of waiting in application startup for ever."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx

from tests.e2e.harness import closed_port
from tests.resilience.process import deployment


async def test_serve_answers_healthz_at_once_and_readyz_says_socket_mode_is_connecting(
    tmp_path: Path,
) -> None:
    async with deployment(tmp_path) as dep:
        dep.extra_env = {
            "SLACK_APP_TOKEN": "xapp-1-A1-unreachable",
            "SLACK_API_URL": f"http://127.0.0.1:{closed_port()}/api/",  # apps.connections.open is refused
        }
        await dep.start()  # returns once /healthz answers 200 (it used to wait in startup for ever)

        async with httpx.AsyncClient() as http:
            ready = await http.get(f"{dep.url}/readyz", timeout=10)

        # Measured in the process's own log: the interpreter's start-up is no part of it.
        assert (
            _seconds_between(
                dep.logs[-1], "Waiting for application startup.", "Application startup complete."
            )
            < 2
        )
        assert ready.status_code == 503
        assert ready.json()["checks"]["socket_mode"] == "connecting"
        assert "xapp-1-A1-unreachable" not in dep.logs[-1].read_text()


def _seconds_between(log: Path, first: str, then: str) -> float:
    at: dict[str, datetime] = {}
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        at.setdefault(entry["message"], datetime.fromisoformat(entry["at"]))
    return float((at[then] - at[first]).total_seconds())
