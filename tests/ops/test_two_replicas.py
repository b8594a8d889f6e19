"""Two `hvr-bot serve` processes on one PostgreSQL database: a digest fires once, both answer commands.

Nothing is shared but loopback ports and the database: the replicas are real subprocesses, the Fivetran
simulator is a third, and the Slack double runs in this test process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.slack_double import SlackDouble
from bot.slack_double.inbound import InboundFactory
from bot.storage.db import Database
from bot.storage.subscriptions import SubscriptionRepo
from bot.storage.tables import outbox
from tests.e2e.harness import closed_port
from tests.resilience.process import BOT_UNDER_TEST

TOKEN = "xoxb-replicas"
DIGEST_CHANNEL = "C0DIGEST01"
COMMAND_CHANNEL = "C0CMDS0001"
OPERATOR = "U0OPER0001"
START_TIMEOUT_S = 30.0
# What each replica logs once its first look after start (the catch-up) has decided.
CAUGHT_UP = "digest catch-up after start:"
# The checkout under test: the venv's editable install may point at another one (a worktree's).
ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def _process(
    args: list[str], env: dict[str, str], log: Path, cwd: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=env, cwd=cwd, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 20)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _wait_for(predicate: object, what: str, timeout: float = START_TIMEOUT_S) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f}s")
        await asyncio.sleep(0.1)


async def _rows_owed(url: str, channel: str) -> int:
    database = Database(url)
    try:
        async with database.read() as connection:
            return len(
                (await connection.execute(select(outbox.c.id).where(outbox.c.channel_id == channel))).all()
            )
    finally:
        await database.dispose()


async def test_two_replicas_post_a_due_digest_once_and_both_answer_commands(
    postgres_url: str, tmp_path: Path
) -> None:
    # A daily digest at the minute that began last, created a minute before it: that fire is due (well
    # within the grace window) and nobody ran it; each replica's start-up catch-up finds it, and the claim
    # lets exactly one post. Its next fire is a day away, so no second, rightful one can land in the test
    # whatever the time it starts at (the replicas read the same wall clock as this test).
    boundary = datetime.now(UTC).replace(second=0, microsecond=0)
    created = boundary - timedelta(minutes=1)
    database = Database(postgres_url)
    try:
        await SubscriptionRepo(database, clock=lambda: created).add(
            kind="digest",
            channel_id=DIGEST_CHANNEL,
            created_by=OPERATOR,
            timezone="UTC",
            schedule=f"daily {boundary:%H:%M}",
        )
    finally:
        await database.dispose()

    signing = secrets.token_hex(16)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIVETRAN_", "HVR_"))}
    base_env.update(
        FIVETRAN_API_KEY="replica-key",
        FIVETRAN_API_SECRET="replica-secret",
        HVR_SECRETS_DIR=str(tmp_path / "none"),
        PYTHONPATH=BOT_UNDER_TEST,
    )
    async with contextlib.AsyncExitStack() as stack:
        double = await stack.enter_async_context(SlackDouble(bot_token=TOKEN))
        simulator = await stack.enter_async_context(
            _process(
                ["simulator", "--port", "0", "--connections", "12", "--groups", "2"],
                base_env,
                tmp_path / "sim.log",
                tmp_path,
            )
        )
        sim_url = ""

        async def simulator_up() -> bool:
            nonlocal sim_url
            found = re.search(r"http://127\.0\.0\.1:\d+", (tmp_path / "sim.log").read_text())
            sim_url = found.group(0) if found else ""
            assert simulator.returncode is None, (tmp_path / "sim.log").read_text()
            return bool(sim_url)

        await _wait_for(simulator_up, "the simulator's start")
        env = {
            **base_env,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": signing,
            "SLACK_API_URL": double.api_url,
            "FIVETRAN_API_URL": sim_url,
            "DATABASE_URL": postgres_url,
            "HVR_WATCH_INTERVAL": "0",
            "HVR_OPERATORS": OPERATOR,
        }
        ports = [closed_port(), closed_port()]
        replicas = [
            await stack.enter_async_context(
                _process(["serve", "--port", str(port)], env, tmp_path / f"replica{i}.log", tmp_path)
            )
            for i, port in enumerate(ports)
        ]
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=10))

        async def both_ready() -> bool:
            for replica, port, i in zip(replicas, ports, range(2), strict=True):
                assert replica.returncode is None, (tmp_path / f"replica{i}.log").read_text()
                try:
                    if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code != 200:
                        return False
                except httpx.TransportError:
                    return False
            return True

        await _wait_for(both_ready, "both replicas' readiness")

        async def digest_posted() -> bool:
            return bool(double.messages(DIGEST_CHANNEL))

        await _wait_for(digest_posted, "the digest post")

        async def both_caught_up() -> bool:
            return all(CAUGHT_UP in (tmp_path / f"replica{i}.log").read_text() for i in range(2))

        # Once both have decided, whatever either owes the channel is an outbox row: a second post
        # would be a second row, whether or not Slack has it yet.
        await _wait_for(both_caught_up, "both replicas' catch-up")
        assert await _rows_owed(postgres_url, DIGEST_CHANNEL) == 1
        assert len(double.messages(DIGEST_CHANNEL)) == 1

        inbound = InboundFactory(signing)
        for port in ports:
            response_url = double.new_response_url(channel=COMMAND_CHANNEL, user=OPERATOR)
            request = inbound.slash_command(
                text="help",
                user=OPERATOR,
                channel=COMMAND_CHANNEL,
                response_url=response_url,
                trigger_id=double.new_trigger_id(user=OPERATOR),
            )
            before = len(double.all_messages())
            answer = await http.post(
                f"http://127.0.0.1:{port}/slack/events", content=request.body, headers=request.headers
            )
            assert answer.status_code == 200

            async def answered(before: int = before) -> bool:
                return len(double.all_messages()) > before

            await _wait_for(answered, f"an answer from the replica on port {port}", timeout=10)

        for replica in replicas:
            replica.send_signal(signal.SIGTERM)
        codes = await asyncio.wait_for(asyncio.gather(*(r.wait() for r in replicas)), 25)
        logs = [(tmp_path / f"replica{i}.log").read_text() for i in range(2)]
        # uvicorn shuts down cleanly, then re-raises the signal: exiting "by SIGTERM" is its normal end.
        assert all(code in (0, -signal.SIGTERM) for code in codes), logs
        assert all("Finished server process" in text for text in logs), logs
