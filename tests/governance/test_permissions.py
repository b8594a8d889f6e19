"""Who may do what: every command and every button, for a viewer, an operator and an admin, checked
against the person who acts; channel policy and read-only mode on top.

Each matrix case runs the three roles on one bot, lowest first: a refused request leaves nothing behind
(no Fivetran call, no duplicate-request mark), and the operator and the admin act on different connectors.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.blocks import ids
from bot.services.governance.access import GRANTS_TTL_S, REQUIRED, Role
from tests.governance.cases import (
    BUTTONS,
    COMMANDS,
    PATCH_CONNECTION,
    RESYNC,
    ButtonCase,
    CommandCase,
)
from tests.governance.conftest import (
    ADMIN,
    OPERATOR,
    OUTSIDER_CHANNEL,
    VIEWER,
    Gov,
    MakeGov,
    RecordingResponder,
    buttons_of,
    is_refusal,
    text_of,
)

USERS = {Role.VIEWER: VIEWER, Role.OPERATOR: OPERATOR, Role.ADMIN: ADMIN}


def slot(role: Role) -> int:
    return 1 if role == Role.ADMIN else 0


def refusals(out: RecordingResponder) -> list[str]:
    return [text_of(r.message) for r in out.replies if is_refusal(r.message)]


def refused_problems(out: RecordingResponder, gov: Gov, before: Counter[str], *, says: str) -> list[str]:
    """Why this is not a refusal that says `says` and reached nothing; empty when it is one."""
    found = refusals(out)
    if not found:
        return [f"not refused: {out.texts()}"]
    problems = [] if says in found[0] else [f"refusal does not say {says!r}: {found[0]}"]
    if gov.sent_since(before):
        problems.append(f"a refused request reached Fivetran: {dict(gov.sent_since(before))}")
    if out.posts:
        problems.append("a refused request posted to the channel")
    return problems


def allowed_problems(
    out: RecordingResponder, gov: Gov, before: Counter[str], sends: frozenset[str]
) -> list[str]:
    """Why this is not an allowed request that sent `sends`; empty when it is one."""
    problems = [f"refused: {r}" for r in refusals(out)]
    problems += [f"failed: {t}" for t in out.texts() if "went wrong on my side" in t]
    sent = gov.sent_since(before)
    missing = {op for op in sends if sent[op] < 1}
    if missing:
        problems.append(f"allowed, but never sent {missing}; sent {dict(sent)}; said {out.texts()}")
    return problems


def assert_refused(out: RecordingResponder, gov: Gov, before: Counter[str], *, says: str) -> None:
    problems = refused_problems(out, gov, before, says=says)
    assert not problems, problems


def assert_allowed(out: RecordingResponder, gov: Gov, before: Counter[str], sends: frozenset[str]) -> None:
    problems = allowed_problems(out, gov, before, sends)
    assert not problems, problems


def check_role(
    out: RecordingResponder, gov: Gov, before: Counter[str], case: CommandCase | ButtonCase, role: Role
) -> list[str]:
    if case.needed is None or role >= case.needed:
        problems = allowed_problems(out, gov, before, case.sends)
    else:
        problems = refused_problems(out, gov, before, says=f"needs the {case.needed.label} role")
    return [f"{role.label}: {p}" for p in problems]


def _id(case: CommandCase | ButtonCase) -> str:
    return case.text if isinstance(case, CommandCase) else case.action_id


def test_the_cases_cover_every_button_and_every_permission_in_the_table() -> None:
    assert {c.action_id for c in BUTTONS} == set(ids.ALL)
    assert set(REQUIRED) <= {c.action for c in COMMANDS} | {c.action for c in BUTTONS}
    cases: list[CommandCase | ButtonCase] = [*COMMANDS, *BUTTONS]
    for case in cases:
        if case.needed is not None:
            assert REQUIRED[case.action] == case.needed, case


@pytest.mark.parametrize("case", COMMANDS, ids=_id)
async def test_a_command_is_refused_below_its_role_and_runs_at_or_above_it(
    gov: Gov, case: CommandCase
) -> None:
    problems: list[str] = []
    for role in Role:
        before = gov.operations()
        out = await gov.say(case.render(gov, slot(role)), USERS[role], confirmed=True)
        await gov.settle()
        problems += check_role(out, gov, before, case, role)
    assert not problems, problems


@pytest.mark.parametrize("case", BUTTONS, ids=_id)
async def test_a_button_is_judged_by_the_role_of_the_person_who_clicks(gov: Gov, case: ButtonCase) -> None:
    problems: list[str] = []
    for role in Role:
        value = await case.value(gov, slot(role))
        before = gov.operations()
        out = await gov.click(ids.aid(case.action_id, 3), value, USERS[role])
        await gov.settle()
        problems += check_role(out, gov, before, case, role)
    assert not problems, problems


async def test_a_viewer_pressing_a_button_from_an_operators_message_is_refused(gov: Gov) -> None:
    target = gov.t.healthy[0].id
    shown = await gov.say(f"show {target}", OPERATOR)
    pause = next(b for b in buttons_of(shown.last) if b["action_id"].startswith(ids.PAUSE))
    before = gov.operations()
    out = await gov.click(pause["action_id"], pause["value"], VIEWER)
    assert_refused(out, gov, before, says="needs the operator role")
    # the same button works for the operator who got it
    mine = await gov.click(pause["action_id"], pause["value"], OPERATOR)
    assert_allowed(mine, gov, before, frozenset({PATCH_CONNECTION}))


async def test_a_refusal_says_the_role_needed_the_role_held_and_who_can_do_it(gov: Gov) -> None:
    out = await gov.say(f"resync {gov.t.healthy[0].id}", OPERATOR, confirmed=True)
    refusal = refusals(out)[0]
    assert "needs the admin role; you are an operator" in refusal
    assert f"<@{ADMIN}>" in refusal


async def test_a_member_of_a_user_group_in_hvr_operators_is_an_operator(make_gov: MakeGov) -> None:
    gov = await make_gov(hvr_operators=["SDATAOPS1"])
    gov.double.set_usergroup("SDATAOPS1", ["UGROUPMEM1"])
    before = gov.operations()
    member = await gov.say(f"pause {gov.t.healthy[0].id}", "UGROUPMEM1", confirmed=True)
    assert_allowed(member, gov, before, frozenset({PATCH_CONNECTION}))
    before = gov.operations()
    outsider = await gov.say(f"resume {gov.t.paused[0]}", VIEWER)
    assert_refused(outsider, gov, before, says="needs the operator role")
    assert "user group SDATAOPS1" in refusals(outsider)[0]
    # membership is looked up through Slack once and cached, not on every check
    await gov.say(f"resume {gov.t.healthy[0].id}", "UGROUPMEM1")
    assert len(gov.double.calls_to("usergroups.users.list")) == 1


async def test_a_grant_takes_effect_at_once_and_a_revoke_removes_it(gov: Gov) -> None:
    target = gov.t.healthy[0].id
    assert refusals(await gov.say(f"pause {target}", VIEWER, confirmed=True))
    granted = await gov.say(f"access grant <@{VIEWER}> operator", ADMIN)
    assert "granted" in text_of(granted.last) and granted.replies[-1].in_channel
    before = gov.operations()
    allowed = await gov.say(f"pause {target}", VIEWER, confirmed=True)
    assert_allowed(allowed, gov, before, frozenset({PATCH_CONNECTION}))
    listed = text_of((await gov.say("access list", VIEWER)).last)
    assert f"<@{VIEWER}>" in listed and f"granted by <@{ADMIN}>" in listed
    await gov.say(f"access revoke <@{VIEWER}>", ADMIN)
    before = gov.operations()
    again = await gov.say(f"resume {target}", VIEWER)
    assert_refused(again, gov, before, says="needs the operator role")


async def test_a_grant_through_one_instance_holds_on_another_within_the_grant_ttl(
    make_gov: MakeGov,
) -> None:
    one = await make_gov()
    other = await make_gov(database_url=one.bot.database.url.render_as_string(hide_password=False))
    assert await other.bot.policy.role_of(VIEWER) == Role.VIEWER  # cached on the other instance
    await one.say(f"access grant <@{VIEWER}> operator", ADMIN)
    assert await one.bot.policy.role_of(VIEWER) == Role.OPERATOR  # at once where it was granted
    await other.sleep(GRANTS_TTL_S)
    assert await other.bot.policy.role_of(VIEWER) == Role.OPERATOR
    await one.say(f"access revoke <@{VIEWER}>", ADMIN)
    await other.sleep(GRANTS_TTL_S)
    assert await other.bot.policy.role_of(VIEWER) == Role.VIEWER


async def test_a_role_granted_to_a_user_group_reaches_its_members(gov: Gov) -> None:
    gov.double.set_usergroup("SADMINS01", [VIEWER])
    await gov.say("access grant <!subteam^SADMINS01|@admins> admin", ADMIN)
    before = gov.operations()
    out = await gov.say(f"resync {gov.t.healthy[0].id}", VIEWER, confirmed=True)
    assert_allowed(out, gov, before, frozenset({RESYNC}))


async def test_an_operator_cannot_grant_themselves_admin(gov: Gov) -> None:
    out = await gov.say(f"access grant <@{OPERATOR}> admin", OPERATOR)
    assert "needs the admin role" in refusals(out)[0]
    assert await gov.bot.policy.role_of(OPERATOR) == Role.OPERATOR


# --- channel policy and read-only mode -------------------------------------------------------------------


async def test_every_command_but_help_is_refused_outside_the_allowed_channels(make_gov: MakeGov) -> None:
    gov = await make_gov(hvr_allowed_channels=["CTEST0001"])
    problems: list[str] = []
    for case in COMMANDS:
        if case.action == "help":
            continue  # pinned by the next test
        before = gov.operations()
        out = await gov.say(case.render(gov), ADMIN, channel=OUTSIDER_CHANNEL, confirmed=True)
        problems += [
            f"{case.text}: {p}" for p in refused_problems(out, gov, before, says="HVR_ALLOWED_CHANNELS")
        ]
    assert not problems, problems


async def test_help_is_refused_outside_the_allowed_channels(make_gov: MakeGov) -> None:
    gov = await make_gov(hvr_allowed_channels=["CTEST0001"])
    out = await gov.say("help", VIEWER, channel=OUTSIDER_CHANNEL)
    assert_refused(out, gov, gov.operations(), says="HVR_ALLOWED_CHANNELS")


async def test_every_button_is_refused_outside_the_allowed_channels(make_gov: MakeGov) -> None:
    gov = await make_gov(hvr_allowed_channels=["CTEST0001"])
    problems: list[str] = []
    # Cancel on a confirmation only withdraws the person's own question: there is nothing to refuse.
    for case in (c for c in BUTTONS if c.action_id != ids.CANCEL):
        value = await case.value(gov, 0)  # a bulk preview is made in the allowed channel
        before = gov.operations()
        out = await gov.click(ids.aid(case.action_id), value, ADMIN, channel=OUTSIDER_CHANNEL)
        await gov.settle()
        problems += [
            f"{case.action_id}: {p}" for p in refused_problems(out, gov, before, says="HVR_ALLOWED_CHANNELS")
        ]
    assert not problems, problems


async def test_an_allowed_channel_works_as_usual(make_gov: MakeGov) -> None:
    gov = await make_gov(hvr_allowed_channels=["CTEST0001", "CSECOND01"])
    before = gov.operations()
    out = await gov.say(f"pause {gov.t.healthy[0].id}", OPERATOR, confirmed=True)
    assert_allowed(out, gov, before, frozenset({PATCH_CONNECTION}))


async def test_read_only_mode_refuses_every_change_command_and_allows_every_other(make_gov: MakeGov) -> None:
    gov = await make_gov(hvr_read_only=True)
    problems: list[str] = []
    for case in COMMANDS:
        before = gov.operations()
        out = await gov.say(case.render(gov), ADMIN, confirmed=True)
        await gov.settle()
        if case.changes_fivetran:
            found = refused_problems(out, gov, before, says="read-only mode (HVR_READ_ONLY)")
        else:
            found = allowed_problems(out, gov, before, case.sends)
        problems += [f"{case.text}: {p}" for p in found]
    assert not problems, problems


async def test_read_only_mode_refuses_every_change_button_and_allows_every_other(make_gov: MakeGov) -> None:
    gov = await make_gov(hvr_read_only=True)
    problems: list[str] = []
    for case in BUTTONS:
        # no bulk preview can be made in read-only mode: its buttons carry an id that was never stored
        value = "no-such-run" if case.action == "bulk" else await case.value(gov, 0)
        before = gov.operations()
        out = await gov.click(ids.aid(case.action_id), value, ADMIN)
        await gov.settle()
        if case.changes_fivetran:
            found = refused_problems(out, gov, before, says="read-only mode (HVR_READ_ONLY)")
        else:
            found = allowed_problems(out, gov, before, case.sends)
        problems += [f"{case.action_id}: {p}" for p in found]
    assert not problems, problems
