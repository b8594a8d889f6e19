"""`hvr-bot simulator` serves the API over a real loopback socket."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[tuple[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("FIVETRAN_API_KEY", "FIVETRAN_API_SECRET")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "simulator", "--port", "0", "--connections", "1500", "--latency-ms", "1"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once the socket is bound, before serving
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, (line, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        yield f"http://127.0.0.1:{match.group(1)}", line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()


async def test_the_cli_serves_connections_over_real_http(server: tuple[str, str]) -> None:
    url, banner = server
    assert '1500 connections in 4 groups (seed 7), key "demo"' in banner
    async with httpx.AsyncClient(base_url=url, auth=("demo", "demo"), timeout=10) as client:
        items: list[str] = []
        cursor = None
        while True:
            params = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
            response = await client.get("/v1/connections", params=params)
            assert response.status_code == 200
            assert response.headers["X-Rate-Limit-Remaining"]
            data = response.json()["data"]
            items += [c["id"] for c in data["items"]]
            if not (cursor := data.get("next_cursor")):
                break
        assert len(items) == len(set(items)) == 1500
        assert (await client.get("/v1/groups", auth=("demo", "nope"))).status_code == 401
