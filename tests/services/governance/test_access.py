"""Who may do what: the permission matrix, user groups through Slack (cached), channels, read-only."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.governance.access import CHANGES, GRANTS_TTL_S, REQUIRED, AccessPolicy, Actor, Refused, Role
from tests.fakes import FakeClock
from tests.services.fakes import FakeGrants, FakeGroupMembers

ADMIN, OPERATOR, VIEWER = "UADMIN", "UOPER", "UVIEW"
ADMIN_IN_GROUP, OPERATOR_IN_GROUP = "UADMIN2", "UOPER2"
CHANNEL = "C1"

READS = sorted(a for a, role in REQUIRED.items() if a not in CHANGES and role is Role.VIEWER)
ROLE_OF = {"viewer": Role.VIEWER, "operator": Role.OPERATOR, "admin": Role.ADMIN}


def policy(**kwargs: object) -> AccessPolicy:
    members = FakeGroupMembers({"SADMINS": [ADMIN_IN_GROUP], "SOPS": [OPERATOR_IN_GROUP, "UOTHER"]})
    defaults: dict[str, object] = {
        "admins": [ADMIN, "SADMINS"],
        "operators": [OPERATOR, "SOPS"],
        "group_members": members,
    }
    return AccessPolicy(**{**defaults, **kwargs})  # type: ignore[arg-type]


def actor(user: str, channel: str = CHANNEL) -> Actor:
    return Actor(user_id=user, channel_id=channel)


async def refusal(p: AccessPolicy, who: Actor, action: str) -> Refused:
    with pytest.raises(Refused) as caught:
        await p.check(who, action)
    return caught.value


# --- the matrix ---------------------------------------------------------------------------------------


def test_design_roles_for_each_action() -> None:
    """DESIGN.md's table: who may do each command."""
    viewer = {
        "help",
        "list",
        "show",
        "groups",
        "group",
        "schemas",
        "tables",
        "columns",
        "audit",
        "access_list",
    }
    viewer |= {"digest_list", "digest_now", "watch_list"}
    admin = {"resync", "bulk", "access_grant", "access_revoke"}
    operator_own = {"digest_add", "digest_remove", "watch_add", "watch_remove"}
    # an incident's acknowledge and snooze are the operator's, audited, and change nothing in Fivetran
    operator_own |= {"acknowledge", "snooze", "unsnooze"}
    assert {a for a, r in REQUIRED.items() if r is Role.VIEWER} == viewer
    assert {a for a, r in REQUIRED.items() if r is Role.ADMIN} == admin
    assert set(REQUIRED) - viewer - {"access_grant", "access_revoke"} - operator_own == CHANGES


@pytest.mark.parametrize("action", sorted(REQUIRED))
@pytest.mark.parametrize(
    ("user", "role"),
    [
        (VIEWER, "viewer"),
        (OPERATOR, "operator"),
        (OPERATOR_IN_GROUP, "operator"),
        (ADMIN, "admin"),
        (ADMIN_IN_GROUP, "admin"),
    ],
)
async def test_the_permission_matrix(action: str, user: str, role: str) -> None:
    p = policy()
    allowed = ROLE_OF[role] >= REQUIRED[action]
    if allowed:
        assert await p.check(actor(user), action) is ROLE_OF[role]
    else:
        error = await refusal(p, actor(user), action)
        assert f"needs the {REQUIRED[action].label} role" in error.reason


async def test_roles_from_users_and_groups() -> None:
    p = policy()
    assert await p.role_of(VIEWER) is Role.VIEWER
    assert await p.role_of(OPERATOR) is Role.OPERATOR
    assert await p.role_of(OPERATOR_IN_GROUP) is Role.OPERATOR
    assert await p.role_of(ADMIN) is Role.ADMIN
    assert await p.role_of(ADMIN_IN_GROUP) is Role.ADMIN


async def test_someone_listed_as_operator_and_admin_is_admin() -> None:
    p = AccessPolicy(admins=["U1"], operators=["U1"])
    assert await p.role_of("U1") is Role.ADMIN


async def test_the_higher_of_two_group_roles_wins() -> None:
    members = FakeGroupMembers({"SOPS": ["U1"], "SADMINS": ["U1"]})
    p = AccessPolicy(admins=["SADMINS"], operators=["SOPS"], group_members=members)
    assert await p.role_of("U1") is Role.ADMIN


async def test_grants_from_the_database_add_to_the_static_roles() -> None:
    p = AccessPolicy(
        operators=["U1"],
        grants=FakeGrants({"U1": Role.ADMIN, "U2": Role.OPERATOR, ADMIN: Role.VIEWER}),
        admins=[ADMIN],
    )
    assert await p.role_of("U1") is Role.ADMIN
    assert await p.role_of("U2") is Role.OPERATOR
    assert await p.role_of(ADMIN) is Role.ADMIN  # a lower grant does not demote


async def test_without_a_slack_lookup_groups_give_no_role() -> None:
    p = AccessPolicy(operators=["SOPS"])
    assert await p.role_of(OPERATOR_IN_GROUP) is Role.VIEWER


async def test_a_user_id_is_not_mistaken_for_a_group() -> None:
    members = FakeGroupMembers({})
    p = AccessPolicy(operators=["UOPER"], group_members=members)
    await p.role_of("USOMEONE")
    assert members.lookups == []


# --- group membership cache -------------------------------------------------------------------------


async def test_group_members_are_cached_for_the_configured_time() -> None:
    clock = FakeClock()
    members = FakeGroupMembers({"SOPS": ["U1"]})
    p = AccessPolicy(operators=["SOPS"], group_members=members, cache_seconds=300, clock=clock.timestamp)
    assert await p.role_of("U1") is Role.OPERATOR
    members.members["SOPS"] = []  # removed from the group in Slack
    clock.advance(299)
    assert await p.role_of("U1") is Role.OPERATOR
    assert members.lookups == ["SOPS"]
    clock.advance(1)
    assert await p.role_of("U1") is Role.VIEWER
    assert members.lookups == ["SOPS", "SOPS"]


async def test_a_slack_failure_keeps_the_last_known_members() -> None:
    clock = FakeClock()
    members = FakeGroupMembers({"SOPS": ["U1"]})
    p = AccessPolicy(operators=["SOPS"], group_members=members, cache_seconds=60, clock=clock.timestamp)
    assert await p.role_of("U1") is Role.OPERATOR
    members.down = True
    clock.advance(600)
    assert await p.role_of("U1") is Role.OPERATOR
    assert await p.role_of("U2") is Role.VIEWER
    lookups = len(members.lookups)
    assert await p.role_of("U1") is Role.OPERATOR
    assert len(members.lookups) == lookups  # not asked again on every check while Slack is down
    members.down = False
    members.members["SOPS"] = ["U2"]
    clock.advance(60)
    assert await p.role_of("U2") is Role.OPERATOR  # Slack back: looked up again within a minute
    assert await p.role_of("U1") is Role.VIEWER


async def test_a_slack_failure_before_any_lookup_gives_no_role() -> None:
    members = FakeGroupMembers({"SOPS": ["U1"]})
    members.down = True
    p = AccessPolicy(operators=["SOPS"], group_members=members)
    assert await p.role_of("U1") is Role.VIEWER


# --- channels and read-only -------------------------------------------------------------------------


async def test_an_action_outside_the_allowed_channels_is_refused_even_for_an_admin() -> None:
    p = policy(allowed_channels=["CGOOD"])
    error = await refusal(p, actor(ADMIN, "CBAD"), "list")
    assert "I don't act in this channel" in error.reason
    assert "HVR_ALLOWED_CHANNELS" in error.reason
    assert await p.check(actor(ADMIN, "CGOOD"), "list") is Role.ADMIN


async def test_no_allowed_channels_means_every_channel() -> None:
    assert await policy().check(actor(VIEWER, "CANY"), "list") is Role.VIEWER


@pytest.mark.parametrize("action", sorted(CHANGES))
async def test_read_only_refuses_every_change_even_for_an_admin(action: str) -> None:
    error = await refusal(policy(read_only=True), actor(ADMIN), action)
    assert "read-only mode (HVR_READ_ONLY)" in error.reason


@pytest.mark.parametrize("action", READS)
async def test_read_only_still_allows_reads(action: str) -> None:
    assert await policy(read_only=True).check(actor(VIEWER), action) is Role.VIEWER


# --- the refusal text ---------------------------------------------------------------------------------


async def test_a_refusal_names_the_role_needed_and_who_has_it() -> None:
    error = await refusal(policy(), actor(VIEWER), "force_sync")
    assert error.reason.startswith("`force sync` needs the operator role; you are a viewer.")
    assert set(error.ask) == {ADMIN, "SADMINS", OPERATOR, "SOPS"}


async def test_an_admin_only_refusal_asks_only_admins() -> None:
    error = await refusal(policy(), actor(OPERATOR), "bulk")
    assert "needs the admin role" in error.reason
    assert set(error.ask) == {ADMIN, "SADMINS"}


async def test_a_refused_operator_is_called_an_operator() -> None:
    error = await refusal(policy(), actor(OPERATOR), "resync")
    assert "you are an operator." in error.reason


async def test_with_nobody_holding_the_role_the_refusal_says_how_to_set_it() -> None:
    error = await refusal(AccessPolicy(), actor(VIEWER), "sync")
    assert error.ask == ()
    assert error.reason.endswith("Ask whoever runs this bot to set HVR_OPERATORS or HVR_ADMINS.")


async def test_granted_holders_are_listed_too() -> None:
    p = AccessPolicy(grants=FakeGrants({"UGRANTED": Role.ADMIN}))
    error = await refusal(p, actor(VIEWER), "resync")
    assert error.ask == ("UGRANTED",)


@pytest.mark.parametrize("action", ["frobnicate", "drop_destination", "", "SYNC"])
async def test_an_unknown_action_is_admin_only(action: str) -> None:
    p = policy()
    await refusal(p, actor(OPERATOR), action)
    assert await p.check(actor(ADMIN), action) is Role.ADMIN


@pytest.mark.parametrize("action", ["access_grant", "access_revoke", "digest_add", "watch_add"])
async def test_read_only_leaves_the_bots_own_settings_to_their_roles(action: str) -> None:
    """Read-only stops changes to Fivetran; roles and subscriptions are the bot's own, still by role."""
    assert await policy(read_only=True).check(actor(ADMIN), action) is Role.ADMIN


async def test_role_checks_within_the_grant_ttl_read_the_grants_once() -> None:
    clock = FakeClock()
    grants = FakeGrants({"U1": Role.OPERATOR})
    p = AccessPolicy(grants=grants, clock=clock.timestamp)
    for _ in range(100):
        assert await p.role_of("U1") == Role.OPERATOR
    await asyncio.gather(*(p.check(Actor("U1", "C1"), "sync") for _ in range(50)))
    assert grants.reads == 1


async def test_a_grant_made_elsewhere_holds_here_once_the_grant_ttl_has_passed() -> None:
    clock = FakeClock()
    grants = FakeGrants({})
    p = AccessPolicy(grants=grants, clock=clock.timestamp)
    assert await p.role_of("U1") == Role.VIEWER
    grants.grants["U1"] = Role.ADMIN  # another replica granted it
    clock.advance(GRANTS_TTL_S - 0.1)
    assert await p.role_of("U1") == Role.VIEWER  # the stated bound: at most GRANTS_TTL_S stale
    clock.advance(0.1)
    assert await p.role_of("U1") == Role.ADMIN


async def test_a_change_made_through_this_process_holds_at_once() -> None:
    grants = FakeGrants({"U1": Role.ADMIN})
    p = AccessPolicy(grants=grants, clock=FakeClock().timestamp)
    assert await p.role_of("U1") == Role.ADMIN
    del grants.grants["U1"]
    p.forget_grants()
    assert await p.role_of("U1") == Role.VIEWER
