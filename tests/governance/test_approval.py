"""HVR_RESYNC_APPROVAL: a historical re-sync runs only once a second admin approves it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.message import Message
from bot.services.governance.dedupe import MemoryDedupe
from tests.governance.cases import RESYNC, RESYNC_TABLES
from tests.governance.conftest import ADMIN, ADMIN2, OPERATOR, Gov, MakeGov, buttons_of, is_refusal, text_of


def button(message: Message, base: str) -> dict[str, Any]:
    return next(b for b in buttons_of(message) if ids.base_of(b["action_id"]) == base)


@pytest.fixture
async def approving(make_gov: MakeGov) -> Gov:
    return await make_gov(hvr_resync_approval=True)


async def request_resync(gov: Gov, connector: str) -> Message:
    """An admin types `/hvr resync <connector>` and confirms it: the approval request it posts."""
    asked = await gov.say(f"resync {connector}", ADMIN)
    confirm = button(asked.last, ids.CONFIRM)
    assert "confirm" in confirm or confirm.get("style") == "danger"
    confirmed = await gov.click(confirm["action_id"], confirm["value"], ADMIN)
    assert len(confirmed.posts) == 1, confirmed.texts()
    return confirmed.posts[0]


async def test_a_confirmed_historical_resync_asks_a_second_admin_and_calls_nothing(approving: Gov) -> None:
    gov = approving
    target = gov.t.healthy[0]
    before = gov.operations()
    request = await request_resync(gov, target.id)
    assert gov.sent_since(before)[RESYNC] == 0
    assert f"<@{ADMIN}> asks to re-sync" in text_of(request) and target.name in text_of(request)
    assert {ids.base_of(b["action_id"]) for b in buttons_of(request)} == {ids.APPROVE, ids.REJECT}
    repo = gov.bot.router.deps.audit_repo
    assert repo is not None
    assert [(e.action, e.status) for e in await repo.query(connector=target.id)] == [
        ("resync_request", "succeeded")
    ]


async def test_the_approval_buttons_carry_only_the_stored_requests_id(approving: Gov) -> None:
    gov = approving
    target = gov.t.healthy[0].id
    request = await request_resync(gov, target)
    values = {button(request, base)["value"] for base in (ids.APPROVE, ids.REJECT)}
    assert len(values) == 1
    [request_id] = values
    approvals = gov.bot.router.deps.approvals
    assert approvals is not None
    stored = await approvals.get(request_id)
    assert stored is not None
    assert (stored.connection_id, stored.requested_by, stored.state) == (target, ADMIN, "pending")
    assert stored.expires_at - stored.requested_at == timedelta(hours=24)


async def newest_refusal(gov: Gov) -> tuple[str, str, str | None]:
    repo = gov.bot.router.deps.audit_repo
    assert repo is not None
    newest = (await repo.query(limit=1))[0]
    return newest.action, newest.status, newest.user_id


async def test_a_second_approve_pressed_past_the_dedupe_window_runs_no_second_resync(
    make_gov: MakeGov,
) -> None:
    # the dedupe window on the bot's own clock, so that 12 s can pass without waiting for them
    gov = await make_gov(hvr_resync_approval=True, dedupe=lambda clock: MemoryDedupe(clock=clock.timestamp))
    request = await request_resync(gov, gov.t.healthy[0].id)
    approve = button(request, ids.APPROVE)
    before = gov.operations()
    await gov.click(approve["action_id"], approve["value"], ADMIN2)
    await gov.sleep(12)  # past the 10 s window in which the same change is refused anyway
    again = await gov.click(approve["action_id"], approve["value"], ADMIN2)
    assert gov.sent_since(before)[RESYNC] == 1
    assert is_refusal(again.last) and "already approved" in again.last.text
    assert f"already approved by <@{ADMIN2}>." in again.last.text  # the person, as a mention
    assert await newest_refusal(gov) == ("resync", "refused", ADMIN2)


async def test_an_approve_with_a_forged_requester_is_refused_and_audited(approving: Gov) -> None:
    gov = approving
    target = gov.t.healthy[0].id
    await request_resync(gov, target)
    before = gov.operations()
    # what the stateless buttons used to carry, with `by` changed so the asking admin approves it
    forged = ids.pack(c=target, by=ADMIN2)
    out = await gov.click(ids.aid(ids.APPROVE), forged, ADMIN)
    assert is_refusal(out.last) and "no such re-sync request" in out.last.text
    assert gov.sent_since(before)[RESYNC] == 0
    assert await newest_refusal(gov) == ("resync", "refused", ADMIN)


async def test_an_approve_with_no_request_behind_it_is_refused_and_audited(approving: Gov) -> None:
    gov = approving
    before = gov.operations()
    for value in ("", "nosuchrequest"):
        out = await gov.click(ids.aid(ids.APPROVE), value, ADMIN2)
        assert is_refusal(out.last) and "no such re-sync request" in out.last.text
    assert gov.sent_since(before)[RESYNC] == 0
    assert await newest_refusal(gov) == ("resync", "refused", ADMIN2)


async def test_an_expired_request_cannot_be_approved(approving: Gov) -> None:
    gov = approving
    request = await request_resync(gov, gov.t.healthy[0].id)
    approve = button(request, ids.APPROVE)
    gov.clock.advance(24 * 3600 + 1)
    before = gov.operations()
    out = await gov.click(approve["action_id"], approve["value"], ADMIN2)
    assert is_refusal(out.last) and "expired" in out.last.text
    assert gov.sent_since(before)[RESYNC] == 0
    assert await newest_refusal(gov) == ("resync", "refused", ADMIN2)


async def test_a_rejected_request_cannot_be_approved_afterwards(approving: Gov) -> None:
    gov = approving
    request = await request_resync(gov, gov.t.healthy[0].id)
    reject, approve = button(request, ids.REJECT), button(request, ids.APPROVE)
    before = gov.operations()
    await gov.click(reject["action_id"], reject["value"], ADMIN2)
    out = await gov.click(approve["action_id"], approve["value"], ADMIN2)
    assert is_refusal(out.last) and "already rejected" in out.last.text
    assert gov.sent_since(before)[RESYNC] == 0


async def test_the_admin_who_asked_cannot_approve_it(approving: Gov) -> None:
    gov = approving
    request = await request_resync(gov, gov.t.healthy[0].id)
    approve = button(request, ids.APPROVE)
    before = gov.operations()
    out = await gov.click(approve["action_id"], approve["value"], ADMIN)
    assert is_refusal(out.last) and "second admin" in out.last.text
    assert gov.sent_since(before)[RESYNC] == 0


async def test_the_requesters_own_approval_is_on_record_as_refused(approving: Gov) -> None:
    gov = approving
    target = gov.t.healthy[0].id
    request = await request_resync(gov, target)
    approve = button(request, ids.APPROVE)
    await gov.click(approve["action_id"], approve["value"], ADMIN)
    repo = gov.bot.router.deps.audit_repo
    assert repo is not None
    newest = (await repo.query(connector=target))[0]
    assert (newest.action, newest.status, newest.user_id) == ("resync", "refused", ADMIN)


async def test_an_operator_cannot_approve_or_reject(approving: Gov) -> None:
    gov = approving
    request = await request_resync(gov, gov.t.healthy[0].id)
    before = gov.operations()
    for base in (ids.APPROVE, ids.REJECT):
        pressed = button(request, base)
        out = await gov.click(pressed["action_id"], pressed["value"], OPERATOR)
        assert is_refusal(out.last) and "needs the admin role" in out.last.text
    assert gov.sent_since(before)[RESYNC] == 0


async def test_another_admins_approval_runs_exactly_one_resync(approving: Gov) -> None:
    gov = approving
    target = gov.t.healthy[0]
    request = await request_resync(gov, target.id)
    approve = button(request, ids.APPROVE)
    before = gov.operations()
    out = await gov.click(approve["action_id"], approve["value"], ADMIN2)
    assert gov.sent_since(before)[RESYNC] == 1
    assert out.replies[0].replace and f"<@{ADMIN2}> approved" in out.replies[0].message.text
    assert gov.sim.connections[target.id].run is not None  # the historical re-sync is running
    again = await gov.click(approve["action_id"], approve["value"], ADMIN2)  # a double click
    assert gov.sent_since(before)[RESYNC] == 1
    assert is_refusal(again.last) and "already approved" in again.last.text
    repo = gov.bot.router.deps.audit_repo
    assert repo is not None
    [done] = [
        e for e in await repo.query(connector=target.id) if e.action == "resync" and e.status != "refused"
    ]
    assert done.user_id == ADMIN2 and done.status == "succeeded"
    assert done.parameters == {"requested_by": ADMIN, "approved_by": ADMIN2}


async def test_a_rejection_runs_nothing(approving: Gov) -> None:
    gov = approving
    request = await request_resync(gov, gov.t.healthy[0].id)
    reject = button(request, ids.REJECT)
    before = gov.operations()
    out = await gov.click(reject["action_id"], reject["value"], ADMIN2)
    assert f"<@{ADMIN2}> rejected" in out.last.text
    assert gov.sent_since(before)[RESYNC] == 0


async def test_the_resync_button_of_show_asks_for_approval_too(approving: Gov) -> None:
    gov = approving
    target = gov.t.healthy[0].id
    shown = await gov.say(f"show {target}", ADMIN)
    resync = button(shown.last, ids.RESYNC)
    before = gov.operations()
    out = await gov.click(resync["action_id"], resync["value"], ADMIN)
    assert gov.sent_since(before)[RESYNC] == 0
    assert len(out.posts) == 1 and button(out.posts[0], ids.APPROVE)


async def test_a_table_resync_needs_no_approval(approving: Gov) -> None:
    gov = approving
    target = gov.t.healthy[0]
    before = gov.operations()
    out = await gov.say(f"resync {target.id} {target.schema}.{target.table}", OPERATOR, confirmed=True)
    assert gov.sent_since(before)[RESYNC_TABLES] == 1
    assert not out.posts


async def test_without_approval_a_confirmed_historical_resync_runs_at_once(gov: Gov) -> None:
    before = gov.operations()
    asked = await gov.say(f"resync {gov.t.healthy[0].id}", ADMIN)
    assert gov.sent_since(before)[RESYNC] == 0  # the question first
    confirm = button(asked.last, ids.CONFIRM)
    await gov.click(confirm["action_id"], confirm["value"], ADMIN)
    assert gov.sent_since(before)[RESYNC] == 1
