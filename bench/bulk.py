"""4. Bulk: `/hvr pause group:<id>` over 500 connectors with 50 ms per Fivetran request, under the default
request budget (20,000 an hour): time from pressing Confirm to the finished report, and requests made,
against pausing them one at a time (bench/naive.py)."""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.context import Context
from bench.naive import naive_pause
from bench.procs import simulator
from bench.slack import ADMIN, Slack
from bench.stack import bot_stack, connection_ids, first_group_id
from bench.stats import figure
from bot.blocks import ids
from bot.slack_double import Posted, Updated
from bot.slack_double.store import Message

PATCH = "PATCH /v1/connections/{connection_id}"
TIMEOUT_S = 300.0


def _confirm_value(message: Message) -> str | None:
    for block in message.blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if ids.base_of(str(element.get("action_id", ""))) == ids.BULK_CONFIRM:
                return str(element.get("value"))
    return None


async def _finished(slack: Slack, channel: str, since: int) -> float:
    def found() -> float | None:
        for seen in slack.seen[since:]:
            event = seen.event
            if (
                isinstance(event, Posted | Updated)
                and event.message.channel == channel
                and " finished:" in event.message.text
            ):
                return seen.at
        return None

    return await slack.double.wait_for(found, TIMEOUT_S)


async def run(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    count = plan.bulk_connectors
    bot_times: list[float] = []
    bot_requests: list[float] = []
    bot_patches: list[float] = []
    naive_times: list[float] = []
    naive_requests: list[float] = []
    async with simulator(
        ctx.workdir, connections=count, groups=1, latency_ms=plan.bulk_latency_ms, unpause=True
    ) as sim:
        group = await first_group_id(sim)
        targets = await connection_ids(sim, 1000)
        async with bot_stack(ctx.workdir, sim) as stack:
            slack = stack.slack
            for _ in range(plan.reps):
                await sim.unpause()
                channel = slack.new_channel("BULK")
                status, _ = await stack.send(slack.slash(f"pause group:{group}", channel))
                if status != 200:
                    raise RuntimeError(f"the bulk preview was answered {status}")
                await slack.wait_for_channels([channel], TIMEOUT_S)
                preview = slack.double.messages(channel)[0]
                run_id = _confirm_value(preview)
                if run_id is None:
                    raise RuntimeError(f"no Confirm button in the preview: {preview.text!r}")
                click = slack.click(
                    ids.aid(ids.BULK_CONFIRM),
                    run_id,
                    channel,
                    user=ADMIN,
                    message={
                        "type": "message",
                        "ts": preview.ts,
                        "text": preview.text,
                        "blocks": preview.blocks,
                    },
                )
                before = await sim.stats()
                mark = len(slack.seen)
                started = time.perf_counter()
                status, _ = await stack.send(click)
                if status != 200:
                    raise RuntimeError(f"Confirm was answered {status}")
                finished = await _finished(slack, channel, mark)
                after = await sim.stats()
                bot_times.append(finished - started)
                bot_requests.append(after["request_count"] - before["request_count"])
                bot_patches.append(
                    after["requests_by_operation"].get(PATCH, 0)
                    - before["requests_by_operation"].get(PATCH, 0)
                )
                ctx.log(f"bot {bot_times[-1]:.2f} s in {bot_requests[-1]:.0f} requests")
            for _ in range(plan.bulk_naive_reps):
                await sim.unpause()
                seconds, spent = await naive_pause(sim.url, targets)
                naive_times.append(seconds)
                naive_requests.append(spent)
                ctx.log(f"one at a time {seconds:.2f} s in {spent} requests")
    bound = count * plan.bulk_latency_ms / 1000 / 8
    speedup = statistics.median(naive_times) / statistics.median(bot_times)
    return {
        "title": "Bulk pause",
        "setup": {
            "connectors": count,
            "fivetran_latency_ms": plan.bulk_latency_ms,
            "request_budget": "default (FIVETRAN_HOURLY_LIMIT 20,000 an hour)",
            "measured": "from sending Confirm to the report message saying the run finished",
            "naive_client": "bench/naive.py: one PATCH {paused: true} per connector, one after another",
            "naive_runs": plan.bulk_naive_reps,
        },
        "figures": {
            f"{count} connectors: time to the report": figure(
                bot_times,
                "s",
                compare=f"one at a time {statistics.median(naive_times):.2f} s ({speedup:.1f}× slower); "
                f"with the bot's 8 workers the bound is {bound:.2f} s (N × latency / 8)",
                digits=3,
            ),
            f"{count} connectors: Fivetran requests": figure(
                bot_requests,
                "requests",
                compare=f"one at a time: {statistics.median(naive_requests):.0f}",
                digits=0,
            ),
            f"{count} connectors: PATCH requests": figure(bot_patches, "requests", digits=0),
            f"{count} connectors: one at a time": figure(naive_times, "s", digits=3),
        },
    }
