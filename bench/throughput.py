"""6. Throughput: `/hvr list` commands a second that one `serve` process acks before the p99 ack passes
1 s. An open-loop load generator (`bench.loadgen`, a process of its own, raw HTTP/1.1 on kept-alive
loopback connections) offers a rising rate, one fixed-length step at a time, each request at its scheduled moment whatever the answers before it (latency counts from
that moment, so a queue in the client is counted too); the ramp stops at the first step over the limit.
Every step is bounded in requests and time; a request still unanswered at the step's end counts as
infinitely slow."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import sys
import time
from collections.abc import AsyncIterator
from statistics import median
from typing import Any
from urllib.parse import urlsplit

from bench.context import Context
from bench.plan import groups_for
from bench.procs import ROOT, simulator
from bench.rawhttp import encode
from bench.slack import warm_up
from bench.stack import Stack, bot_stack
from bench.stats import figure, percentile

DRAIN_S = 15.0
TARGET_PER_S = 200  # issue 22
PREWARM_CONNECTIONS = 50  # open before each step; the generator opens more when all are busy


@contextlib.asynccontextmanager
async def load_generator(url: str) -> AsyncIterator[LoadGenerator]:
    """`bench.loadgen` in its own process (see there why), stopped whatever happens."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadgen",
        url,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=64 * 1024 * 1024,  # one answer line carries every request's latency
    )
    try:
        yield LoadGenerator(proc)
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


class LoadGenerator:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self._proc = proc
        self.pid = proc.pid

    async def step(self, rate: float, payloads: list[bytes]) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        line = {
            "rate": rate,
            "prewarm": PREWARM_CONNECTIONS,
            "payloads": [base64.b64encode(p).decode("ascii") for p in payloads],
        }
        self._proc.stdin.write((json.dumps(line) + "\n").encode())
        await self._proc.stdin.drain()
        answer = await self._proc.stdout.readline()
        if not answer:
            raise RuntimeError("the load generator exited")
        result: dict[str, Any] = json.loads(answer)
        return result


async def _step(
    stack: Stack, generator: LoadGenerator, rate: float, seconds: float, limit: int
) -> dict[str, Any]:
    count = max(1, min(limit, int(rate * seconds)))
    # Signed, addressed and encoded before the clock starts, so the generator only writes.
    host = urlsplit(stack.serve.url).netloc
    channels = [stack.slack.new_channel("TPUT") for _ in range(count)]
    payloads = [encode(host, "/slack/events", stack.slack.slash("list", c)) for c in channels]
    cpu_before = stack.serve.cpu_seconds()
    waited_before = stack.serve.runqueue_wait_seconds()
    bench_cpu_before = time.process_time()
    answer = await generator.step(rate, payloads)
    cpu = stack.serve.cpu_seconds() - cpu_before
    waited = stack.serve.runqueue_wait_seconds() - waited_before
    bench_cpu = time.process_time() - bench_cpu_before
    # The list each command posts, timed where a person sees it, from the request's scheduled moment;
    # waiting for all of them also keeps one step's answers from running into the next step.
    with contextlib.suppress(TimeoutError):
        await stack.slack.wait_for_channels(channels, DRAIN_S)
    start = float(answer["start"])
    answered = [
        stack.slack.first_message[c] - (start + i / rate) if c in stack.slack.first_message else math.inf
        for i, c in enumerate(channels)
    ]
    latencies = [
        seconds if seconds is not None and status == 200 else math.inf
        for seconds, status in answer["results"]
    ]
    ok_count = sum(1 for latency in latencies if latency != math.inf)
    elapsed = max(float(answer["elapsed_s"]), 1e-9)
    return {
        "offered_per_s": rate,
        "sent": count,
        "acked": ok_count,
        "failed_or_unanswered": count - ok_count,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "achieved_per_s": round(ok_count / elapsed, 2),
        "answer_p50_ms": round(percentile(answered, 50) * 1000, 2),
        "answer_p99_ms": round(percentile(answered, 99) * 1000, 2),
        "serve_cpu_share": round(cpu / elapsed, 3),  # 1.0 = one core busy all the time
        "serve_cpu_ms_per_command": round(cpu / max(ok_count, 1) * 1000, 2),
        # serve's event loop runnable but not running: other processes had the cores
        "serve_runqueue_wait_share": round(waited / elapsed, 3),
        # the generator's own process, and this one (the Slack double taking the bot's answers)
        "load_generator_cpu_share": round(float(answer["cpu_s"]) / elapsed, 3),
        "slack_double_cpu_share": round(bench_cpu / elapsed, 3),
        "connections_opened": answer["connections_opened"],
    }


async def run(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    limit_ms = plan.tput_p99_limit_s * 1000
    best_offered: list[float] = []
    best_achieved: list[float] = []
    best_p99: list[float] = []
    best_answer_p99: list[float] = []
    best_cpu_ms: list[float] = []
    best_waiting: list[float] = []
    ramps: list[list[dict[str, Any]]] = []
    async with simulator(
        ctx.workdir,
        connections=plan.tput_connections,
        groups=groups_for(plan.tput_connections),
        latency_ms=plan.tput_latency_ms,
    ) as sim:
        for rep in range(plan.reps):
            # The double checks no blocks here: its checking would cost this process CPU the load
            # generator needs, and the listing benchmark already posts through a strict double.
            async with (
                bot_stack(ctx.workdir, sim, strict_blocks=False) as stack,
                load_generator(stack.serve.url) as generator,
            ):
                await warm_up(stack.http, stack.serve.url, stack.slack, 20)
                channel = stack.slack.new_channel("TPUT")
                await stack.send(stack.slack.slash("list", channel))  # the snapshot is cached from here on
                await stack.slack.wait_for_channels([channel], 60.0)
                ramp: list[dict[str, Any]] = []
                for rate in plan.tput_rates:
                    step = await _step(stack, generator, rate, plan.tput_step_s, plan.tput_max_requests)
                    ramp.append(step)
                    ctx.log(
                        f"run {rep + 1}: offered {rate:.0f}/s → acked {step['achieved_per_s']:.0f}/s, "
                        f"p50 {step['p50_ms']:.0f} ms, p99 {step['p99_ms']:.0f} ms, "
                        f"serve CPU {step['serve_cpu_share']:.0%} ({step['serve_cpu_ms_per_command']:.1f} ms a "
                        f"command, waiting for a core {step['serve_runqueue_wait_share']:.0%}), "
                        f"load generator CPU {step['load_generator_cpu_share']:.0%}, "
                        f"Slack double CPU {step['slack_double_cpu_share']:.0%}; "
                        f"the list in Slack p99 {step['answer_p99_ms']:.0f} ms"
                    )
                    if step["p99_ms"] > limit_ms or step["failed_or_unanswered"]:
                        break
                    await asyncio.sleep(0.5)  # the previous step's answers drain before the next
            passed = [s for s in ramp if s["p99_ms"] <= limit_ms and not s["failed_or_unanswered"]]
            best_offered.append(passed[-1]["offered_per_s"] if passed else 0.0)
            best_achieved.append(passed[-1]["achieved_per_s"] if passed else 0.0)
            best = passed[-1] if passed else ramp[0]
            best_p99.append(best["p99_ms"])
            best_answer_p99.append(best["answer_p99_ms"])
            best_cpu_ms.append(best["serve_cpu_ms_per_command"])
            best_waiting.append(best["serve_runqueue_wait_share"] * 100)
            ramps.append(ramp)
    saturated = all(ramp[-1]["p99_ms"] > limit_ms or ramp[-1]["failed_or_unanswered"] for ramp in ramps)
    compare = (
        "highest offered rate whose p99 ack stayed ≤ 1 s; the next step passed it"
        if saturated
        else "the ramp's top rate still had p99 ≤ 1 s: the real limit is higher"
    )
    return {
        "title": "Throughput",
        "setup": {
            "command": "/hvr list (snapshot cached)",
            "connections": plan.tput_connections,
            "fivetran_latency_ms": plan.tput_latency_ms,
            "rates_per_s": list(plan.tput_rates),
            "step_s": plan.tput_step_s,
            "max_requests_per_step": plan.tput_max_requests,
            "ramps": ramps,
        },
        "figures": {
            "commands/s acked with p99 ≤ 1 s (offered)": figure(
                best_offered,
                "per s",
                target=f"≥ {TARGET_PER_S}",
                met=median(best_offered) >= TARGET_PER_S,
                compare=compare,
                digits=1,
            ),
            "commands/s acked at that step (achieved)": figure(best_achieved, "per s", digits=1),
            "p99 ack at that step": figure(best_p99, "ms", digits=1),
            "p99 time to the list in Slack at that step": figure(best_answer_p99, "ms", digits=1),
            "serve CPU per command at that step": figure(best_cpu_ms, "ms", digits=2),
            "serve waiting for a core at that step": figure(
                best_waiting,
                "%",
                compare="share of the step serve's event loop was runnable but other processes had the cores",
                digits=1,
            ),
        },
    }
