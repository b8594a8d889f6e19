"""3. Digest fan-out: 200 digest subscriptions due in the same minute across 50 channels, on an account
of 5,000 connections with 50 ms per Fivetran request. Fivetran requests (target: one snapshot, not 200),
time from the minute's timers going off to the last digest posted, and Slack's pace of one message a
second per channel (the Slack double with `enforce_pacing=True` counts every post that came too soon)."""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.context import Context
from bench.inproc import ShiftedClock, inprocess_bot
from bench.plan import groups_for, pages
from bench.procs import BOT_TOKEN, SlackProcess, simulator, slack_double
from bench.slack import Slack, send
from bench.stats import figure
from bot.slack_double import SlackDouble

TIMEOUT_S = 180.0
SETUP_CONCURRENCY = 20


async def _add_subscriptions(
    ctx: Context, slack: Slack, http: httpx.AsyncClient, url: str, channels: list[str], at: str
) -> None:
    commands = [
        slack.slash(f"digest add daily {at} tz:UTC", channels[i % len(channels)])
        for i in range(ctx.plan.digest_subscriptions)
    ]
    for start in range(0, len(commands), SETUP_CONCURRENCY):
        answers = await asyncio.gather(
            *(send(http, url, c) for c in commands[start : start + SETUP_CONCURRENCY])
        )
        if any(status != 200 for status, _ in answers):
            raise RuntimeError("a digest add was refused")


async def _digests_posted(
    double: SlackProcess, mark: int, channels: set[str], wanted: int
) -> list[dict[str, Any]]:
    """The first `wanted` posts to `channels` after `mark`, waiting for them (polled: the double's posts
    arrive on a reader thread)."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        found = [p for p in double.posts[mark:] if p["channel"] in channels]
        if len(found) >= wanted:
            return found[:wanted]
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(found)} of {wanted} digests were posted")
        await asyncio.sleep(0.02)


async def run(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    subs, nchannels = plan.digest_subscriptions, plan.digest_channels
    per_channel = math.ceil(subs / nchannels)
    times: list[float] = []
    requests: list[float] = []
    snapshots: list[float] = []
    violations: list[float] = []
    posted_counts: list[float] = []
    cpu: list[float] = []
    double_cpu: list[float] = []
    loop_cpu: list[float] = []
    firsts: list[float] = []
    async with (
        simulator(
            ctx.workdir,
            connections=plan.digest_connections,
            groups=groups_for(plan.digest_connections),
            latency_ms=plan.digest_latency_ms,
        ) as sim,
        # The double the digests are posted to runs in its own process, so the CPU measured in this one is
        # the bot's alone; the in-process one only answers the setup's response_urls.
        slack_double(ctx.workdir, enforce_pacing=True) as posting_double,
        SlackDouble(bot_token=BOT_TOKEN, strict_blocks=True) as double,
    ):
        slack = Slack(double)
        clock = ShiftedClock()
        async with (
            inprocess_bot(
                ctx.workdir,
                sim_url=sim.url,
                slack_api_url=posting_double.api_url,
                signing_secret=slack.signing_secret,
                now=clock,
            ) as (bot, url),
            httpx.AsyncClient(timeout=30.0) as http,
        ):
            first_fire = (datetime.now(UTC) + timedelta(minutes=2)).replace(second=0, microsecond=0)
            channels = [slack.new_channel("DIG") for _ in range(nchannels)]
            await _add_subscriptions(ctx, slack, http, url, channels, first_fire.strftime("%H:%M"))
            deadline = time.monotonic() + 60
            while len(active := await bot.digests.subscriptions.list_active("digest")) < subs:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {len(active)} of {subs} digests were added")
                await asyncio.sleep(0.1)
            await bot.scheduler.sync_jobs()
            wanted = set(channels)
            for rep in range(plan.reps):
                # The bot's clock at the due minute (a day later each run: a new fire of every digest),
                # and a cold snapshot, as at 09:00 after a quiet night.
                clock.set(first_fire + timedelta(days=rep, seconds=0.2))
                bot.cache.invalidate()
                before = await sim.request_count()
                fetches = bot.cache.fetches
                mark = len(posting_double.posts)
                too_soon = posting_double.posts[-1]["too_soon"] if mark else 0

                started = time.perf_counter()
                cpu_before = time.process_time()
                loop_before = time.thread_time()  # this thread runs the event loop: bot and bench
                double_before = posting_double.cpu_seconds()
                for subscription in active:  # what APScheduler does when the minute comes
                    await bot.scheduler.timer_fired(subscription.id)
                posted = await _digests_posted(posting_double, mark, wanted, subs)
                times.append(max(p["at"] for p in posted) - started)
                firsts.append(min(p["at"] for p in posted) - started)
                cpu.append(time.process_time() - cpu_before)
                loop_cpu.append(time.thread_time() - loop_before)
                double_cpu.append(posting_double.cpu_seconds() - double_before)
                posted_counts.append(len(posted))
                requests.append(await sim.request_count() - before)
                snapshots.append(bot.cache.fetches - fetches)
                violations.append(posted[-1]["too_soon"] - too_soon)
                ctx.log(
                    f"run {rep + 1}: {len(posted)} digests, last after {times[-1]:.2f} s; "
                    f"{requests[-1]:.0f} Fivetran requests, {snapshots[-1]:.0f} snapshot(s), "
                    f"{violations[-1]:.0f} pacing violations; bot CPU {cpu[-1]:.2f} s "
                    f"({loop_cpu[-1]:.2f} s on the event loop's thread), "
                    f"Slack double CPU {double_cpu[-1]:.2f} s"
                )
    latency_s = plan.digest_latency_ms / 1000
    bound = pages(plan.digest_connections) * latency_s + (per_channel - 1) * 1.0
    one_snapshot = pages(plan.digest_connections) + 1
    return {
        "title": "Digest fan-out",
        "setup": {
            "subscriptions": subs,
            "channels": nchannels,
            "digests_per_channel": per_channel,
            "connections": plan.digest_connections,
            "fivetran_latency_ms": plan.digest_latency_ms,
            "measured": "in-process bot (its clock moved to the due minute), serve's web app under uvicorn, "
            "simulator and the Slack double (posting) in processes of their own; from the 200 timers going off (DigestScheduler.timer_fired) to the last "
            "chat.postMessage reaching the Slack double",
            "batch_window_s": bot.scheduler.batch_window_s,
        },
        "figures": {
            "time to the last digest": figure(
                times,
                "s",
                compare=f"lower bound {bound:.2f} s ({pages(plan.digest_connections)} pages × "
                f"{plan.digest_latency_ms:.0f} ms + {per_channel - 1} × 1 s pacing in each channel)",
                digits=3,
            ),
            "time to the first digest": figure(
                firsts, "s", compare="the batch's claims, the snapshot and the first chunk's writes", digits=3
            ),
            "Fivetran requests": figure(
                requests,
                "requests",
                target=f"one snapshot ({one_snapshot} requests), not {subs}",
                met=statistics.median(requests) <= one_snapshot,
                digits=0,
            ),
            "snapshots fetched": figure(snapshots, "snapshots", digits=0),
            "CPU of the bot meanwhile": figure(cpu, "s", digits=2),
            "bot CPU per digest posted": figure(
                [c * 1000 / subs for c in cpu],
                "ms",
                target="≤ 3 ms",
                met=statistics.median(cpu) * 1000 / subs <= 3.0,
                digits=2,
            ),
            "of which the event loop's thread (the rest: SQLite's threads)": figure(loop_cpu, "s", digits=2),
            "CPU of the Slack double (its own process) meanwhile": figure(
                [c * 1000 for c in double_cpu], "ms", digits=1
            ),
            "digests posted": figure(posted_counts, "messages", digits=0),
            "pacing violations": figure(violations, "posts", target="0", met=max(violations) == 0, digits=0),
        },
    }
