"""`/hvr test <selector>` (issue 19): a bulk run of setup tests over the real router, against the simulator
enforcing Fivetran's setup-test limits (250 a minute, 2,500 an hour, 429 with Retry-After beyond).

The bot's budget and the simulator share the test's clock, and the budget sleeps on it: a minute of pacing
costs no real time, and the budget measuring any other clock than the one it sleeps on would show as a
run many driven minutes long."""

from __future__ import annotations

import time

from bot.blocks import ids
from bot.blocks.governance import BulkLine, render_bulk_report
from bot.blocks.message import Message
from tests.governance.cases import TEST
from tests.governance.conftest import (
    ADMIN,
    OPERATOR,
    VIEWER,
    Gov,
    MakeGov,
    is_refusal,
    text_of,
)
from tests.governance.test_bulk import button, confirm, one_message_updated_in_place, preview

FAILING_SETUP = ("broken", "incomplete")  # the simulator's setup tests fail for these, pass for the rest


def every_group(gov: Gov) -> str:
    return " ".join(f"group:{group_id}" for group_id in gov.sim.groups)


def failing_setup(gov: Gov) -> set[str]:
    return {cid for cid, c in gov.sim.connections.items() if c.setup_state in FAILING_SETUP}


async def test_400_connectors_tested_at_the_default_budget_meet_no_429_and_are_reported(
    make_gov: MakeGov,
) -> None:
    gov = await make_gov(connections=400, groups=4)
    failing = failing_setup(gov)
    passing = set(gov.sim.connections) - failing
    assert failing and passing, "the account should have connectors whose setup tests fail and pass"
    budget = gov.bot.fivetran.transport.budget
    assert budget is not None and budget.limits["setup_tests"][0].limit == 250  # the default, a paid plan

    shown = await preview(gov, f"test {every_group(gov)}")
    shown_text = text_of(shown)
    assert "Test 400 connectors?" in shown_text and "Skipped" not in shown_text  # a test skips nothing
    go = button(shown, ids.BULK_CONFIRM)
    assert "changes nothing" in go["confirm"]["text"]["text"]
    assert "paced under Fivetran's limit (250 a minute" in go["confirm"]["text"]["text"]
    assert go.get("style") != "danger"  # nothing destructive
    assert gov.sim.requests_by_operation[TEST] == 0, "a preview tests nothing"

    before, driven, real = gov.operations(), gov.clock.timestamp(), time.monotonic()
    out = await confirm(gov, shown)
    await gov.settle()
    driven, real = gov.clock.timestamp() - driven, time.monotonic() - real

    # the simulator refused nothing, and each connector was tested exactly once (a 429 would be re-sent)
    assert gov.sim.limits.refused == {}
    assert gov.sent_since(before)[TEST] == 400
    # Paced: 250 in the first minute, the other 150 once it (and the budget's margin) passed; on the
    # driven clock, so the minute cost no real one.
    assert 60 <= driven <= 65, driven
    assert budget.waited_seconds >= 59
    assert real < driven

    run = await gov.bot.bulk.repo.get(go["value"])
    assert run is not None and run.status == "finished"
    by_status = {
        status: {i.connection_id for i in run.items if i.status == status} for status in ("done", "failed")
    }
    assert by_status == {"done": passing, "failed": failing}
    for item in run.items:
        if item.status == "failed":  # which test failed, in Fivetran's words
            assert item.reason is not None and "setup tests failed. Validating " in item.reason

    report = one_message_updated_in_place(out)
    report_text = text_of(report)
    assert (
        f"Test of 400 connectors by <@{ADMIN}> finished: 400 tested, {len(passing)} passed, "
        f"{len(failing)} failed." in report_text
    )
    assert "*Failed*" in report_text and "Passed: " in report_text
    progress = [m for _, m in out.updates[:-1]]
    assert progress and all("passed" in m.text and "handled" in m.text for m in progress)

    repo = gov.bot.router.deps.audit_repo
    assert repo is not None
    [entry] = [e for e in await repo.query(user=ADMIN, limit=50) if e.action == "bulk"]
    assert entry.parameters == {"action": "test", "run": run.id}
    assert entry.status == "failed" and set(entry.connectors) == set(gov.sim.connections)
    assert entry.message is not None and f"{len(passing)} passed" in entry.message


async def test_only_an_admin_may_preview_or_confirm_a_bulk_test(gov: Gov) -> None:
    selector = f"test group:{gov.t.group_id}"
    for user in (VIEWER, OPERATOR):  # an operator may test one connector, not a selection
        refused = (await gov.say(selector, user)).last
        assert is_refusal(refused) and "needs the admin role" in refused.text, refused.text
    shown = await preview(gov, selector)
    go = button(shown, ids.BULK_CONFIRM)
    refused = (await gov.click(go["action_id"], go["value"], OPERATOR)).last
    assert is_refusal(refused) and "needs the admin role" in refused.text
    assert gov.sim.requests_by_operation[TEST] == 0
    run = await gov.bot.bulk.repo.get(go["value"])
    assert run is not None and run.status == "pending"  # still the admin's to confirm


async def test_a_connector_fivetran_would_not_test_is_reported_apart_from_failed_tests(gov: Gov) -> None:
    gone, erring = gov.t.healthy[0].id, gov.t.healthy[1].id
    gov.sim.faults.script(method="POST", path_regex=f"/connections/{gone}/test$", status=404)
    gov.sim.faults.script(method="POST", path_regex=f"/connections/{erring}/test$", status=403)
    group = gov.t.group_id
    members = {cid for cid, c in gov.sim.connections.items() if c.group_id == group}
    assert {gone, erring} <= members
    failing = failing_setup(gov) & members

    shown = await preview(gov, f"test group:{group}")
    assert "paced" not in button(shown, ids.BULK_CONFIRM)["confirm"]["text"]["text"]  # a few start at once
    out = await confirm(gov, shown)
    await gov.settle()

    tested = len(members) - 2
    report = text_of(one_message_updated_in_place(out))
    assert (
        f"finished: {tested} tested, {tested - len(failing)} passed, {len(failing)} failed, "
        "2 could not be tested." in report
    )
    assert "*Could not be tested*" in report
    assert f"`{gov.t.healthy[0].name}`: Fivetran no longer knows this connector" in report


def test_a_bulk_test_report_says_0_failed_and_what_a_restart_left_unknown() -> None:
    clean = render_bulk_report("test", [BulkLine("orders", "done"), BulkLine("crm", "done")], by=ADMIN)
    assert clean.text.startswith(":white_check_mark: Test of 2 connectors")
    assert clean.text.endswith("finished: 2 tested, 2 passed, 0 failed.")
    cut: Message = render_bulk_report(
        "test",
        [BulkLine("orders", "failed", "1 of 3 setup tests failed."), BulkLine("crm", "in_progress")],
        by=ADMIN,
        interrupted=True,
    )
    assert "stopped when the bot restarted: 1 tested, 0 passed, 1 failed, 1 unknown." in cut.text
