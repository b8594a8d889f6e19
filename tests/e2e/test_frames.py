"""How deep `/hvr sync X` goes inside the bot before Fivetran is asked: the bot's own frames on the stack
when the sync request leaves. ARCHITECTURE.md lists them (Flow 1); a new layer of indirection shows here
first, and must be worth its frame."""

from __future__ import annotations

import traceback
from pathlib import Path

import bot
from tests.e2e.harness import E2E

PACKAGE = Path(bot.__file__).parent
DOUBLES = ("simulator", "slack_double")

# From the Bolt listener to the HTTP client, as ARCHITECTURE.md's Flow 1 tells it. The issue that asked
# for fewer frames measured 12 at commit 2feb4ae with this same probe.
FLOW_1 = [
    "slack/listeners.py:on_command",
    "slack/router.py:command",
    "slack/router.py:_guard",
    "slack/router.py:_command",
    "slack/changes.py:sync",
    "services/governance/audit.py:run",
    "services/pipelines/actions.py:_run",
    "fivetran/client.py:sync",
    "fivetran/transport.py:request",
    "fivetran/transport.py:_send",
]


def bot_frames(stack: traceback.StackSummary) -> list[str]:
    frames = []
    for frame in stack:
        path = Path(frame.filename)
        if path.is_relative_to(PACKAGE) and path.relative_to(PACKAGE).parts[0] not in DOUBLES:
            frames.append(f"{path.relative_to(PACKAGE).as_posix()}:{frame.name}")
    return frames


async def test_a_typed_sync_reaches_fivetran_through_the_frames_architecture_md_lists(e2e: E2E) -> None:
    stacks = e2e.tamper.record_stack("POST", r"^/v1/connections/[^/]+/sync$")
    _, name = e2e.connection_named("healthy")
    await e2e.command(f"sync {name}")
    await e2e.settle()
    assert len(stacks) == 1
    assert bot_frames(stacks[0]) == FLOW_1
    assert len(FLOW_1) < 12  # 2feb4ae's count
