"""Bulk operations against the simulator: preview, confirm, bounded concurrency, one progress message
updated in place, a per-connector report, Fivetran's 409s and 429s on the way, and Cancel."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.blocks import ids
from bot.blocks.governance import BulkLine, render_bulk_report
from bot.blocks.message import Message
from bot.services.governance.bulk import plan_bulk
from bot.services.pipelines.health import Health
from bot.services.pipelines.selectors import parse_selector
from tests.governance.cases import PATCH_CONNECTION
from tests.governance.conftest import (
    ADMIN,
    OPERATOR,
    VIEWER,
    Gov,
    MakeGov,
    RecordingResponder,
    buttons_of,
    is_refusal,
    text_of,
)

BIG = 625  # ~500 of them healthy


def button(message: Message, base: str) -> dict[str, Any]:
    return next(b for b in buttons_of(message) if ids.base_of(b["action_id"]) == base)


def healthy_ids(gov: Gov) -> list[str]:
    snapshot = gov.bot.cache.peek()
    assert snapshot is not None
    return [cid for cid, health in snapshot.health.items() if health == Health.HEALTHY]


class InFlight:
    """The simulator's latency sleep, counting how many requests it is answering at once.

    Each answer takes a few real milliseconds: a worker writes its item down as in progress before the
    call, and an answer given within one yield would be over before the next worker's write is."""

    LATENCY_S = 0.005

    def __init__(self) -> None:
        self.now = 0
        self.most = 0

    async def __call__(self, seconds: float) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(self.LATENCY_S)
        self.now -= 1


class Gate:
    """The simulator's latency sleep: lets `open_for` requests through, then holds the rest until
    `release()`; `full` is set once `holding` requests wait."""

    def __init__(self, *, open_for: int, holding: int) -> None:
        self.left = open_for
        self.holding = holding
        self.waiting = 0
        self.full = asyncio.Event()
        self._released = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        if self.left > 0:
            self.left -= 1
            return
        self.waiting += 1
        if self.waiting >= self.holding:
            self.full.set()
        await self._released.wait()

    def release(self) -> None:
        self._released.set()


async def preview(gov: Gov, text: str) -> Message:
    out = await gov.say(text, ADMIN)
    return out.last


async def confirm(gov: Gov, shown: Message) -> RecordingResponder:
    go = button(shown, ids.BULK_CONFIRM)
    assert "confirm" in go, "a bulk change must ask in a dialog before it runs"
    return await gov.click(go["action_id"], go["value"], ADMIN)


def one_message_updated_in_place(out: RecordingResponder) -> Message:
    """The progress message was posted once and every later word went into it; returns the last word."""
    assert len(out.posts) == 1, [m.text for m in out.posts]
    assert len({ref for ref, _ in out.updates}) == 1
    return out.updates[-1][1]


async def test_five_hundred_connectors_paused_then_resumed_through_409s_and_429s(make_gov: MakeGov) -> None:
    gov = await make_gov(connections=BIG, groups=3)
    targets = healthy_ids(gov)
    assert 450 <= len(targets) <= 550
    # Fivetran pushes back on some of them: rate limited once (retried after Retry-After) or in conflict.
    limited = targets[25::50]
    conflicting = [targets[i] for i in (7, 133, 311, 402)]
    for cid in limited:
        gov.sim.faults.script(method="PATCH", path_regex=f"/connections/{cid}$", status=429)
    for cid in conflicting:
        gov.sim.faults.script(method="PATCH", path_regex=f"/connections/{cid}$", status=409)
    in_flight = InFlight()
    gov.sim.sleep = in_flight
    gov.sim.faults.latency_ms = 1

    shown = await preview(gov, "pause status:healthy")
    assert f"Pause {len(targets)} connectors?" in text_of(shown)
    before = gov.operations()
    slept = sum(gov.sleep.waits)
    out = await confirm(gov, shown)
    await gov.settle()

    report = one_message_updated_in_place(out)
    progress = [m for _, m in out.updates[:-1]]
    assert len(progress) >= 2, "the progress message was never updated while the run went on"
    assert all("handled" in m.text for m in progress)
    report_text = text_of(report)
    assert f"Pause of {len(targets)} connectors by <@{ADMIN}> finished" in report_text
    assert f"{len(targets) - len(conflicting)} done, {len(conflicting)} failed" in report_text
    for cid in conflicting:
        assert f"`{gov.sim.connections[cid].schema}`" in report_text
    paused = {cid for cid in targets if gov.sim.connections[cid].paused}
    assert paused == set(targets) - set(conflicting)
    # each 429 was waited out (on the test's clock) and sent again; each 409 was not
    assert gov.sent_since(before)[PATCH_CONNECTION] == len(targets) + len(limited)
    assert sum(gov.sleep.waits) - slept >= len(limited)
    assert 1 < in_flight.most <= 8, in_flight.most

    run_id = button(shown, ids.BULK_CONFIRM)["value"]
    run = await gov.bot.bulk.repo.get(run_id)
    assert run is not None and run.status == "finished"
    failed = {i.connection_id: i.reason for i in run.items if i.status == "failed"}
    assert set(failed) == set(conflicting)
    assert all(reason for reason in failed.values())
    # on record once, naming every connector it touched, failed since some failed
    repo = gov.bot.router.deps.audit_repo
    assert repo is not None
    [entry] = [e for e in await repo.query(user=ADMIN, limit=50) if e.action == "bulk"]
    assert set(entry.connectors) == set(targets) and entry.status == "failed"
    assert entry.message is not None and f"{len(conflicting)} failed" in entry.message
    assert entry.parameters == {"action": "pause", "run": run_id}

    gov.sim.sleep = asyncio.sleep
    gov.sim.faults.latency_ms = 0
    gov.bot.cache.invalidate()
    shown = await preview(gov, "resume status:paused")
    paused_now = sum(1 for c in gov.sim.connections.values() if c.paused)
    assert f"Resume {paused_now} connectors?" in text_of(shown)
    out = await confirm(gov, shown)
    await gov.settle()
    report_text = text_of(one_message_updated_in_place(out))
    assert f"Resume of {paused_now} connectors by <@{ADMIN}> finished: {paused_now} done." in report_text
    assert not any(c.paused for c in gov.sim.connections.values())


async def test_cancel_stops_what_has_not_started(make_gov: MakeGov) -> None:
    gov = await make_gov(connections=120)
    targets = healthy_ids(gov)
    shown = await preview(gov, "pause status:healthy")
    gate = Gate(open_for=20, holding=8)  # 20 go through, then the 8 workers hang in Fivetran
    gov.sim.sleep = gate
    gov.sim.faults.latency_ms = 1
    out = await confirm(gov, shown)
    await asyncio.wait_for(gate.full.wait(), 5.0)

    cancel = button(out.posts[0], ids.BULK_CANCEL)  # "Cancel the rest" on the progress message
    for user in (VIEWER, OPERATOR):  # everyone in the channel sees the button; only admins may use it
        refused = await gov.click(cancel["action_id"], cancel["value"], user)
        assert is_refusal(refused.last) and "needs the admin role" in refused.last.text
    stopping = await gov.click(cancel["action_id"], cancel["value"], ADMIN)
    assert "not yet started will be left" in stopping.last.text
    gate.release()
    await gov.settle()

    started = 20 + 8
    assert sum(1 for cid in targets if gov.sim.connections[cid].paused) == started
    assert gov.sim.requests_by_operation[PATCH_CONNECTION] == started
    run = await gov.bot.bulk.repo.get(cancel["value"])
    assert run is not None and run.status == "cancelled"
    statuses = [i.status for i in run.items]
    assert statuses.count("done") == started
    assert statuses.count("cancelled") == len(targets) - started
    report = text_of(one_message_updated_in_place(out))
    assert f"{started} done, {len(targets) - started} cancelled" in report and "Not started" in report


async def test_cancel_before_confirm_drops_the_preview(gov: Gov) -> None:
    shown = await preview(gov, f"pause group:{gov.t.group_id}")
    cancel = button(shown, ids.BULK_CANCEL)
    out = await gov.click(cancel["action_id"], cancel["value"], ADMIN)
    assert "Cancelled" in out.last.text and out.replies[-1].replace
    late = await confirm(gov, shown)
    assert "already ran or was cancelled" in late.last.text
    assert gov.sim.requests_by_operation[PATCH_CONNECTION] == 0


async def test_a_preview_counts_what_it_skips_and_why_and_changes_nothing(gov: Gov) -> None:
    snapshot = gov.bot.cache.peek()
    assert snapshot is not None
    group = gov.t.group_id
    members = [c for c in snapshot.connections.values() if c.group_id == group]
    paused = sum(1 for c in members if c.paused)
    broken = sum(1 for c in members if snapshot.health[c.id] == Health.BROKEN and not c.paused)
    assert paused and broken, "the account should have paused and broken connectors in this group"
    before = gov.operations()
    text = text_of(await preview(gov, f"sync group:{group}"))
    plan = plan_bulk(snapshot, "sync", parse_selector([f"group:{group}"]))
    assert f"*Skipped {len(plan.skipped)}*" in text
    assert "paused: resume it first" in text
    assert "broken: fix it in Fivetran first" in text
    assert not gov.sent_since(before)


async def test_a_preview_names_each_skipped_connector(gov: Gov) -> None:
    snapshot = gov.bot.cache.peek()
    assert snapshot is not None
    skipped = [c for c in snapshot.connections.values() if c.group_id == gov.t.group_id and c.paused]
    text = text_of(await preview(gov, f"sync group:{gov.t.group_id}"))
    assert all(c.name in text for c in skipped)


async def test_a_small_request_budget_paces_the_run_instead_of_failing_it(make_gov: MakeGov) -> None:
    gov = await make_gov(connections=120, fivetran_hourly_limit=40)
    targets = healthy_ids(gov)
    budget = gov.bot.fivetran.transport.budget
    assert budget is not None
    out = await confirm(gov, await preview(gov, "pause status:healthy"))
    await gov.settle()
    assert f"{len(targets)} done" in text_of(one_message_updated_in_place(out))
    assert budget.waited_seconds > 0  # on the test's clock
    assert gov.sim.requests_by_operation[PATCH_CONNECTION] == len(targets)  # no 429 was needed
    assert all(gov.sim.connections[cid].paused for cid in targets)


def test_an_interrupted_report_calls_unanswered_items_unknown_not_not_started() -> None:
    lines = [
        BulkLine("orders", "done"),
        BulkLine("billing", "in_progress"),
        BulkLine("crm", "pending"),
    ]
    report = render_bulk_report("pause", lines, by=ADMIN, interrupted=True)
    assert "1 done, 1 unknown, 1 pending" in report.text
    contexts = [b["elements"][0]["text"] for b in report.blocks if b["type"] == "context"]
    assert any(c.startswith("Unknown, may have been applied") and "`billing`" in c for c in contexts)
    assert [c for c in contexts if c.startswith("Not started")] == ["Not started: `crm`"]
