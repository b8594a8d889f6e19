"""The Slack double in a process of its own, so a benchmark can tell the bot's CPU from the double's.

    python -m bench.slackserver --token xoxb-bench [--enforce-pacing]

Prints its API URL, then one JSON line per message posted to a channel (not ephemeral) as the double has
it: {"at": perf_counter, "channel": ..., "too_soon": pacing violations so far}. `time.perf_counter` is
CLOCK_MONOTONIC on Linux, the same clock in every process, so the bench can compare `at` with its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from bot.slack_double import Event, Posted, SlackDouble


async def _serve(token: str, enforce_pacing: bool) -> None:
    async with SlackDouble(bot_token=token, enforce_pacing=enforce_pacing, strict_blocks=True) as double:

        def report(event: Event) -> None:
            if isinstance(event, Posted) and not event.message.ephemeral:
                line = {
                    "at": time.perf_counter(),
                    "channel": event.message.channel,
                    "too_soon": len(double.pacing_violations),
                }
                sys.stdout.write(json.dumps(line) + "\n")
                sys.stdout.flush()

        double.subscribe(report)
        sys.stdout.write(double.api_url + "\n")
        sys.stdout.flush()
        await asyncio.Event().wait()  # until the bench terminates the process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slackserver")
    parser.add_argument("--token", required=True)
    parser.add_argument("--enforce-pacing", action="store_true")
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.token, args.enforce_pacing))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
