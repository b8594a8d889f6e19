"""Lists every connector of a Fivetran account with a peer's public API, for `bench/peers.py`.

    .venv-peers/bin/python bench/peer_driver.py dagster|airflow URL KEY SECRET

Runs in the peer venv (`./dev bench-peers` makes it), never in the bot's: it imports nothing from the
bot. Prints one JSON line: {"installed": bool, "connectors": N, "seconds": S} or {"error": "..."}.
Both peers hard-code https://api.fivetran.com; neither has a setting for another base URL, so the driver
points them at the simulator the narrowest way each allows (said at each place below).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from typing import Any
from urllib.parse import urlsplit


def dagster(url: str, key: str, secret: str) -> int:
    """What `FivetranWorkspace.fetch_fivetran_workspace_data` does to find the account's connectors: its
    client's `get_groups`, then per group `get_destination_details` and `list_connectors_for_group`. (The
    full workspace fetch then asks each connected connector's schema config, one request each: see
    bench/findings/peers.md.)"""
    # Imported by name: the peers live only in .venv-peers, not where mypy checks the bench.
    resources: Any = importlib.import_module("dagster_fivetran.resources")

    # The base URL is a module constant (FIVETRAN_API_BASE) with no setting: the one URL adapted.
    resources.FIVETRAN_API_BASE = url
    workspace = resources.FivetranWorkspace(account_id="bench", api_key=key, api_secret=secret)
    client = workspace.get_client()
    found = 0
    for group in client.get_groups()["items"]:
        client.get_destination_details(destination_id=group["id"])
        found += len(client.list_connectors_for_group(group_id=group["id"]))
    return found


def airflow(url: str, key: str, secret: str) -> int:
    """The async provider's hook, as a DAG would list connectors: `get_groups()` then `get_connectors`
    per group. The connection comes from the environment (`AIRFLOW_CONN_FIVETRAN_BENCH`)."""
    parts = urlsplit(url)
    os.environ["AIRFLOW_CONN_FIVETRAN_BENCH"] = json.dumps(
        {"conn_type": "fivetran", "login": key, "password": secret, "host": parts.netloc}
    )
    hooks: Any = importlib.import_module("fivetran_provider_async.hooks")
    hook = hooks.FivetranHookAsync(fivetran_conn_id="fivetran_bench", retry_limit=1)
    # The hook builds URLs from its public attributes api_protocol and api_host (class defaults https and
    # api.fivetran.com); the connection's host is not used for them, so they are set on this instance.
    hook.api_protocol = parts.scheme
    hook.api_host = parts.netloc
    found = 0
    groups: Any = hook.get_groups()
    for group in groups:
        found += sum(1 for _ in hook.get_connectors(group["id"]))
    return found


PEERS = {"dagster": (dagster, "dagster_fivetran"), "airflow": (airflow, "fivetran_provider_async")}


def main(argv: list[str]) -> int:
    name, url, key, secret = argv
    run, module = PEERS[name]
    try:
        importlib.import_module(module)
    except ImportError:
        print(json.dumps({"installed": False}))
        return 0
    started = time.perf_counter()
    try:
        found = run(url, key, secret)
    except Exception as error:  # reported to the bench, which says it failed
        print(json.dumps({"installed": True, "error": f"{type(error).__name__}: {error}"[:500]}))
        return 0
    print(json.dumps({"installed": True, "connectors": found, "seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
