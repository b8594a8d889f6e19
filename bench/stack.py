"""The whole bot on loopback for one run: the Slack double (in this process), a real `python -m bot serve`
(a subprocess) pointed at it and at a simulator subprocess, and an HTTP client that plays Slack."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.procs import BOT_TOKEN, ServeProcess, SimProcess, serve
from bench.slack import ADMIN, Slack, send
from bot.slack_double import SlackDouble
from bot.slack_double.inbound import SlackRequest

ACCEPT_V2 = {"Accept": "application/json;version=2"}


@dataclass
class Stack:
    slack: Slack
    serve: ServeProcess
    http: httpx.AsyncClient

    async def send(self, request: SlackRequest) -> tuple[int, float]:
        return await send(self.http, self.serve.url, request)


@contextlib.asynccontextmanager
async def bot_stack(
    workdir: Path,
    sim: SimProcess,
    *,
    strict_blocks: bool = True,
    enforce_pacing: bool = False,
    connections: int = 100,
    migrated: bool = False,
) -> AsyncIterator[Stack]:
    async with SlackDouble(
        bot_token=BOT_TOKEN, strict_blocks=strict_blocks, enforce_pacing=enforce_pacing
    ) as double:
        slack = Slack(double)
        async with (
            serve(
                workdir,
                sim_url=sim.url,
                slack_api_url=double.api_url,
                signing_secret=slack.signing_secret,
                admins=ADMIN,
                migrated=migrated,
            ) as proc,
            httpx.AsyncClient(
                timeout=httpx.Timeout(30.0, pool=120.0),
                limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            ) as http,
        ):
            yield Stack(slack, proc, http)


async def connection_ids(sim: SimProcess, limit: int = 1000) -> list[str]:
    """Ids of the simulated account's first `limit` connections (one counted request)."""
    answer = await sim.http.get(f"{sim.url}/v1/connections", params={"limit": limit}, headers=ACCEPT_V2)
    answer.raise_for_status()
    return [str(item["id"]) for item in answer.json()["data"]["items"]]


async def first_group_id(sim: SimProcess) -> str:
    answer = await sim.http.get(f"{sim.url}/v1/groups", params={"limit": 1})
    answer.raise_for_status()
    items: list[dict[str, Any]] = answer.json()["data"]["items"]
    return str(items[0]["id"])
