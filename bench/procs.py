"""The processes a benchmark runs against: a simulator and a real `python -m bot serve`, both on loopback.

Both are async context managers that always terminate their process (SIGTERM, then SIGKILL after a
grace period), whatever happens inside the `async with`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "demo"
API_SECRET = "demo"
BOT_TOKEN = "xoxb-bench"
START_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0
# Settings the bot reads; a developer's own values must not leak into a benchmark.
_BOT_ENV_PREFIXES = ("SLACK_", "FIVETRAN_", "HVR_", "DATABASE_URL", "HOST", "PORT")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            await asyncio.to_thread(proc.wait, STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            await asyncio.to_thread(proc.wait, STOP_GRACE_S)


def _spawn(command: list[str], log_path: Path, **options: Any) -> subprocess.Popen[bytes]:
    """Starts a process whose stderr (and stdout, unless given) go to `log_path`."""
    with open(log_path, "wb") as log:
        options.setdefault("stdout", log)
        return subprocess.Popen(
            command, stderr=log if options["stdout"] is not log else subprocess.STDOUT, **options
        )


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


async def _first_line_url(proc: subprocess.Popen[bytes], log_path: Path, what: str) -> str:
    """The URL a started process prints first on stdout."""
    assert proc.stdout is not None
    stdout: IO[bytes] = proc.stdout
    try:
        line = await asyncio.wait_for(asyncio.to_thread(stdout.readline), START_TIMEOUT_S)
    except TimeoutError:
        raise RuntimeError(f"{what} did not start: {_tail(log_path)}") from None
    url = line.decode().strip()
    if not url.startswith("http://"):
        raise RuntimeError(f"{what} did not start: {_tail(log_path)}")
    return url


def proc_status(pid: int) -> dict[str, int]:
    """VmHWM (peak resident set) and VmRSS of a process, in kB, from /proc/<pid>/status."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(value.split()[0])
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, threads that ended included (in 10 ms ticks)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def live_threads_cpu_seconds(pid: int) -> float:
    """CPU time a process's live threads have run, to the nanosecond: /proc/<pid>/stat counts 10 ms
    ticks, so the Slack double's work for a smoke run's few posts reads as 0 there. A thread that ended
    is not counted: for a process that keeps its threads (the Slack double)."""
    total_ns = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as schedstat:
                total_ns += int(schedstat.read().split()[0])
        except FileNotFoundError:  # the thread ended between listing and reading
            continue
    return total_ns / 1e9


def runqueue_wait_seconds(pid: int) -> float:
    """How long the process's main thread (serve's event loop) has been runnable but waiting for a CPU:
    on a shared machine, the part of a latency that is other processes' turn, not the bot's work."""
    with open(f"/proc/{pid}/schedstat", encoding="ascii") as schedstat:
        return int(schedstat.read().split()[1]) / 1e9


@dataclass
class SimProcess:
    url: str
    pid: int
    http: httpx.AsyncClient

    async def stats(self) -> dict[str, Any]:
        answer = await self.http.get(f"{self.url}/_sim/stats")
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()["data"]
        return data

    async def request_count(self) -> int:
        return int((await self.stats())["request_count"])

    async def set_latency(self, ms: float) -> None:
        (await self.http.post(f"{self.url}/_bench/latency", json={"ms": ms})).raise_for_status()

    async def unpause(self) -> int:
        answer = await self.http.post(f"{self.url}/_bench/unpause")
        answer.raise_for_status()
        return int(answer.json()["unpaused"])


@contextlib.asynccontextmanager
async def simulator(
    workdir: Path,
    *,
    connections: int,
    groups: int,
    latency_ms: float = 0.0,
    unpause: bool = False,
) -> AsyncIterator[SimProcess]:
    log_path = workdir / f"sim-{connections}-{time.monotonic_ns()}.log"
    command = [
        sys.executable,
        "-m",
        "bench.simserver",
        "--connections",
        str(connections),
        "--groups",
        str(groups),
        "--latency-ms",
        str(latency_ms),
    ]
    if unpause:
        command.append("--unpause")
    proc = _spawn(command, log_path, cwd=ROOT, stdout=subprocess.PIPE)
    try:
        url = await _first_line_url(proc, log_path, "the simulator")
        async with httpx.AsyncClient(auth=(API_KEY, API_SECRET), timeout=30.0) as http:
            yield SimProcess(url, proc.pid, http)
    finally:
        await _stop(proc)


@dataclass
class SlackProcess:
    """The Slack double in its own process (`bench.slackserver`); `posts` fills as the double has them."""

    api_url: str
    pid: int
    posts: list[dict[str, Any]]

    def cpu_seconds(self) -> float:
        return live_threads_cpu_seconds(self.pid)


def _read_posts(stdout: IO[bytes], posts: list[dict[str, Any]]) -> None:
    for line in stdout:  # list.append is atomic: the bench's loop reads `posts` while this thread fills it
        posts.append(json.loads(line))


@contextlib.asynccontextmanager
async def slack_double(workdir: Path, *, enforce_pacing: bool = True) -> AsyncIterator[SlackProcess]:
    log_path = workdir / f"slack-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "bench.slackserver", "--token", BOT_TOKEN]
    if enforce_pacing:
        command.append("--enforce-pacing")
    proc = _spawn(command, log_path, cwd=ROOT, stdout=subprocess.PIPE)
    try:
        url = await _first_line_url(proc, log_path, "the Slack double")
        assert proc.stdout is not None
        stdout: IO[bytes] = proc.stdout
        posts: list[dict[str, Any]] = []
        threading.Thread(target=_read_posts, args=(stdout, posts), daemon=True).start()
        yield SlackProcess(url, proc.pid, posts)
    finally:
        await _stop(proc)


@dataclass
class ServeProcess:
    url: str
    pid: int
    log_path: Path

    def memory_kb(self) -> dict[str, int]:
        return proc_status(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def runqueue_wait_seconds(self) -> float:
        return runqueue_wait_seconds(self.pid)


def bot_env(
    *,
    sim_url: str,
    slack_api_url: str,
    signing_secret: str,
    database_url: str,
    admins: str,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_BOT_ENV_PREFIXES)}
    env.update(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": signing_secret,
            "SLACK_API_URL": slack_api_url,
            "FIVETRAN_API_KEY": API_KEY,
            "FIVETRAN_API_SECRET": API_SECRET,
            "FIVETRAN_API_URL": sim_url,
            "DATABASE_URL": database_url,
            "HVR_ADMINS": admins,
            "HVR_WATCH_INTERVAL": "0",  # no polling watcher: its snapshots would be counted as ours
            # serve runs in its own directory, where `-m bot` would find the installed (editable) package,
            # which may be another checkout's: the code measured is this checkout's.
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
            **(extra or {}),
        }
    )
    return env


@contextlib.asynccontextmanager
async def serve(
    workdir: Path,
    *,
    sim_url: str,
    slack_api_url: str,
    signing_secret: str,
    admins: str,
    extra_env: dict[str, str] | None = None,
    migrated: bool = False,
) -> AsyncIterator[ServeProcess]:
    """`python -m bot serve` with its own SQLite file, started in `workdir` (no developer .env there).
    `migrated`: the file is made current first (`hvr-bot db upgrade`), as a deployed bot finds it when it
    restarts, so that `serve` itself does not migrate (and load Alembic)."""
    port = free_port()
    rundir = workdir / f"serve-{port}-{time.monotonic_ns()}"
    rundir.mkdir()
    env = bot_env(
        sim_url=sim_url,
        slack_api_url=slack_api_url,
        signing_secret=signing_secret,
        database_url=f"sqlite+aiosqlite:///{rundir}/hvr-bot.db",
        admins=admins,
        extra=extra_env,
    )
    log_path = rundir / "serve.log"
    if migrated:
        upgrade = [sys.executable, "-m", "bot", "db", "upgrade"]
        await asyncio.to_thread(
            subprocess.run, upgrade, cwd=rundir, env=env, check=True, capture_output=True, timeout=120
        )
    proc = _spawn(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        log_path,
        cwd=rundir,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        async with httpx.AsyncClient(timeout=2.0) as http:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"serve exited with {proc.returncode}: {_tail(log_path)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"serve did not become healthy: {_tail(log_path)}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{url}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield ServeProcess(url, proc.pid, log_path)
    finally:
        await _stop(proc)
