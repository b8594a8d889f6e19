"""The naive clients the bot is compared with: what a quick script over httpx would do.

Listing: the default page size (100), group by group, one request after another. Bulk: one PATCH per
connector, one after another.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from bench.procs import API_KEY, API_SECRET

V2 = {"Accept": "application/json;version=2"}


async def _all_pages(
    http: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    requests = 0
    params: dict[str, str | int] = {"limit": 100}
    while True:
        answer = await http.get(path, params=params, headers=headers)
        requests += 1
        answer.raise_for_status()
        data = answer.json()["data"]
        items += data["items"]
        if not data.get("next_cursor"):
            return items, requests
        params["cursor"] = data["next_cursor"]


async def naive_list(base_url: str) -> tuple[int, float, int]:
    """Every connection, the naive way: (connections, seconds, requests)."""
    async with httpx.AsyncClient(base_url=base_url, auth=(API_KEY, API_SECRET), timeout=60.0) as http:
        started = time.perf_counter()
        groups, requests = await _all_pages(http, "/v1/groups", {"Accept": "application/json"})
        connections = 0
        for group in groups:
            found, spent = await _all_pages(http, f"/v1/groups/{group['id']}/connections", V2)
            connections += len(found)
            requests += spent
        return connections, time.perf_counter() - started, requests


async def naive_pause(base_url: str, connection_ids: list[str]) -> tuple[float, int]:
    """Pauses each connector in turn: (seconds, requests)."""
    async with httpx.AsyncClient(base_url=base_url, auth=(API_KEY, API_SECRET), timeout=60.0) as http:
        started = time.perf_counter()
        for connection_id in connection_ids:
            answer = await http.patch(f"/v1/connections/{connection_id}", json={"paused": True}, headers=V2)
            answer.raise_for_status()
        return time.perf_counter() - started, len(connection_ids)
