"""One replica's read of the watcher's stored states, for bench/findings/watcher.md: CPU of a read when
nothing changed, and of one after another replica (a second repo on the same SQLite file) wrote some of
them. Runs against whatever `WatchStateRepo` is checked out, so the same script measures before and after.

    .venv/bin/python -m bench.watch_state_reads [--connections 10000] [--changed 300] [--reads 15]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from typing import Any

from bot.storage.db import Database
from bot.storage.tables import metadata
from bot.storage.watch_state import WatchStateRepo


def _states(size: int, tag: str) -> dict[str, dict[str, Any]]:
    succeeded = f"2026-12-03T10:00:00+00:00{tag}"
    return {
        f"c{i}": {
            "health": "healthy",
            "setup_state": "connected",
            "update_state": "on_schedule",
            "paused": False,
            "failed_at": None,
            "succeeded_at": succeeded,
        }
        for i in range(size)
    }


async def main(size: int, changed: int, reads: int) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        database = Database(f"sqlite+aiosqlite:///{workdir}/watch.db")
        async with database.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        mine, theirs = WatchStateRepo(database), WatchStateRepo(database)
        await theirs.put_many(_states(size, ""))
        await mine.get_all()  # the first read decodes every row once
        quiet: list[float] = []
        after: list[float] = []
        for n in range(reads):
            started = time.process_time()
            await mine.get_all()
            quiet.append((time.process_time() - started) * 1000)
            start = (n * changed) % max(1, size - changed)
            written = dict(list(_states(size, f"#{n}").items())[start : start + changed])
            await theirs.put_many(written)
            started = time.process_time()
            found = await mine.get_all()
            after.append((time.process_time() - started) * 1000)
            assert all(found[key].state == state for key, state in written.items())
        await database.dispose()
    print(
        f"{size:,} stored, {reads} reads each: quiet read median {statistics.median(quiet):.2f} ms CPU "
        f"(max {max(quiet):.2f}); after another replica wrote {changed}: median "
        f"{statistics.median(after):.2f} ms (max {max(after):.2f}); "
        f"rows read in all: {getattr(mine, 'rows_read', 'not counted')}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=300)
    parser.add_argument("--reads", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(main(args.connections, args.changed, args.reads))
