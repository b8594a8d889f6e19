"""`hvr-bot serve` as a real process, killed with SIGKILL and started again.

The simulator and the Slack double run in the test's event loop on loopback ports; `Gate` holds chosen
Fivetran requests open so the test knows the process is in the middle of the work when it kills it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.simulator import ManualClock, Simulator, build_app
from bot.slack_double import SlackDouble
from bot.slack_double.inbound import InboundFactory
from bot.slack_double.store import Message
from tests.e2e.harness import ADMIN, BOT_TOKEN, CHANNEL, OPERATOR, _serve, buttons, closed_port
from tests.simulator.aliases import watched

SIGNING_SECRET = "sign-process-4f1c2a"
# The checkout under test: the venv's editable install may point at another one (a worktree's tests).
ROOT = Path(__file__).resolve().parents[2]
# `python -m bot` in a process imports this checkout's `bot`, not whichever the interpreter has installed
BOT_UNDER_TEST = str(ROOT)


@dataclass
class Gate:
    """Lets the first `pass_first` requests matching `method path_regex` through, holds the rest open."""

    app: ASGIApp
    rules: list[tuple[str, re.Pattern[str], int]] = field(default_factory=list)
    seen: dict[int, int] = field(default_factory=dict)
    held: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def hold(self, method: str, path_regex: str, *, pass_first: int = 0) -> None:
        self.rules.append((method, re.compile(path_regex), pass_first))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for index, (method, pattern, pass_first) in enumerate(self.rules):
                if scope["method"] == method and pattern.search(scope["path"]):
                    self.seen[index] = self.seen.get(index, 0) + 1
                    if self.seen[index] > pass_first and not self.release.is_set():
                        self.held += 1
                        await self.release.wait()
        await self.app(scope, receive, send)


@dataclass
class Deployment:
    tmp: Path
    sim: Simulator
    gate: Gate
    double: SlackDouble
    sim_url: str
    database_url: str
    clock: ManualClock
    port: int = field(default_factory=closed_port)
    proc: subprocess.Popen[bytes] | None = None
    inbound: InboundFactory = field(default_factory=lambda: InboundFactory(SIGNING_SECRET))
    logs: list[Path] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)  # added to (or replacing) env()'s

    def env(self) -> dict[str, str]:
        return self._base_env() | self.extra_env

    def _base_env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": BOT_UNDER_TEST,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.double.api_url,
            "FIVETRAN_API_KEY": self.sim.api_key,
            "FIVETRAN_API_SECRET": self.sim.api_secret,
            "FIVETRAN_API_URL": self.sim_url,
            "DATABASE_URL": self.database_url,
            "HVR_ADMINS": ADMIN,
            "HVR_OPERATORS": OPERATOR,
            "HVR_WATCH_INTERVAL": "0",
        }

    async def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None
        log = self.tmp / f"serve-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.proc = subprocess.Popen(  # noqa: ASYNC220 - started once; the wait below is async
                [sys.executable, "-m", "bot", "serve", "--port", str(self.port)],
                env=self.env(),
                cwd=self.tmp,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"serve exited {self.proc.returncode}: {log.read_text()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.url}/healthz", timeout=1)).status_code == 200:
                        return
                await asyncio.sleep(0.05)
        raise RuntimeError(f"serve did not come up: {log.read_text()}")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        assert self.proc.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def command(self, text: str, *, user: str = OPERATOR) -> int:
        """Sends `/hvr text`; returns how many messages the double held before (what came after answers)."""
        mark = len(self.double.all_messages())
        request = self.inbound.slash_command(
            text=text,
            user=user,
            channel=CHANNEL,
            response_url=self.double.new_response_url(channel=CHANNEL, user=user),
            trigger_id=self.double.new_trigger_id(user=user),
        )
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                f"{self.url}/slack/events", content=request.body, headers=request.headers
            )
        assert answer.status_code == 200, answer.text
        return mark

    async def click(self, message: Message, action_prefix: str, *, user: str = OPERATOR) -> None:
        action = next(b for b in buttons(message) if str(b.get("action_id", "")).startswith(action_prefix))
        request = self.inbound.block_action(
            user=user,
            channel=message.channel,
            message_ts=message.ts,
            message={"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks},
            action=action,
            response_url=self.double.new_response_url(
                channel=message.channel, user=user, message_ts=message.ts
            ),
            trigger_id=self.double.new_trigger_id(user=user),
            ephemeral=message.ephemeral,
        )
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                f"{self.url}/slack/events", content=request.body, headers=request.headers
            )
        assert answer.status_code == 200, answer.text

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> Message:  # noqa: ASYNC109
        def found() -> Message | None:
            return next((m for m in self.double.all_messages() if not m.deleted and predicate(m)), None)

        return await self.double.wait_for(found, timeout)


@contextlib.asynccontextmanager
async def deployment(tmp: Path, *, connections: int = 12) -> AsyncIterator[Deployment]:
    clock = ManualClock()
    sim = watched(Simulator(seed=7, groups=2, connections=connections, clock=clock))
    gate = Gate(build_app(sim))
    async with contextlib.AsyncExitStack() as stack:
        double = await stack.enter_async_context(SlackDouble(bot_token=BOT_TOKEN))
        stack.push_async_callback(sim.aclose)
        server, task, port = await _serve(gate)

        async def stop_sim() -> None:
            gate.release.set()
            server.should_exit = True
            await task

        stack.push_async_callback(stop_sim)
        dep = Deployment(
            tmp, sim, gate, double, f"http://127.0.0.1:{port}", f"sqlite+aiosqlite:///{tmp}/hvr.db", clock
        )
        try:
            yield dep
        finally:
            dep.stop()
