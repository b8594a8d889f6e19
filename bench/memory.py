"""5. Memory: peak resident set (VmHWM) of a real `python -m bot serve` with a 10,000-connection account
cached: a signed `/hvr list` makes it fetch and render the whole account."""

from __future__ import annotations

import asyncio
from typing import Any

from bench.context import Context
from bench.plan import groups_for
from bench.procs import simulator
from bench.slack import warm_up
from bench.stack import bot_stack
from bench.stats import figure

ANSWER_TIMEOUT_S = 120.0


async def run(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    size = plan.memory_connections
    idle: list[float] = []
    peak: list[float] = []
    after: list[float] = []
    async with simulator(ctx.workdir, connections=size, groups=groups_for(size)) as sim:
        for _ in range(plan.reps):
            # On a database that is current already, as `serve` restarts in production: no migration.
            async with bot_stack(ctx.workdir, sim, migrated=True) as stack:
                await warm_up(stack.http, stack.serve.url, stack.slack, 1)
                idle.append(stack.serve.memory_kb()["VmHWM"] / 1024)
                channel = stack.slack.new_channel("MEM")
                status, _ = await stack.send(stack.slack.slash("list", channel))
                if status != 200:
                    raise RuntimeError(f"/hvr list was answered {status}")
                await stack.slack.wait_for_channels([channel], ANSWER_TIMEOUT_S)
                await asyncio.sleep(0.5)  # let the request's last allocations happen
                memory = stack.serve.memory_kb()
                peak.append(memory["VmHWM"] / 1024)
                after.append(memory["VmRSS"] / 1024)
            ctx.log(
                f"peak RSS {peak[-1]:.1f} MB (idle peak {idle[-1]:.1f} MB, resident after {after[-1]:.1f} MB)"
            )
    return {
        "title": "Memory",
        "setup": {
            "connections": size,
            "measured": "VmHWM / VmRSS from /proc/<pid>/status of the serve process, after a /hvr list was "
            "answered (snapshot cached); serve started on a database already current (no migration)",
        },
        "figures": {
            f"peak RSS, {size} connections cached": figure(peak, "MB", digits=1),
            "peak RSS before the first Fivetran call": figure(idle, "MB", digits=1),
            "RSS after the answer": figure(after, "MB", digits=1),
        },
    }
