"""Each /hvr command end to end at the service and view level, over the simulator."""

from __future__ import annotations

import json

from bot.blocks import ids
from bot.services.governance.access import Actor
from tests.integration.conftest import ADMIN, CHANNEL, OPERATOR, VIEWER, RecordingResponder, World


def _buttons(blocks: list[dict]) -> dict[str, dict]:  # type: ignore[type-arg]
    """Every button in the blocks by label, wherever it sits (actions block or accessory)."""
    found: dict[str, dict] = {}  # type: ignore[type-arg]
    for block in blocks:
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") == "button":
                found[element["text"]["text"]] = element
    return found


def _all_text(blocks: list[dict]) -> str:  # type: ignore[type-arg]
    return json.dumps(blocks, ensure_ascii=False)


async def test_help_lists_the_commands(world: World) -> None:
    out = await world.say("help")
    text = _all_text(out.last.blocks)
    for verb in ("list", "show", "sync", "pause", "resume", "resync", "schemas", "tables", "groups"):
        assert f"/hvr {verb}" in text


async def test_list_counts_every_connector_with_problems_first(world: World) -> None:
    out = await world.say("list")
    assert out.last.text.startswith("40 connectors")
    assert "2 broken" in out.last.text
    assert not out.replies[-1].in_channel


async def test_list_by_status_shows_only_matching_connectors(world: World) -> None:
    out = await world.say("list status:broken")
    assert out.last.text == "2 connectors · 2 broken"


async def test_list_with_nothing_matching_says_what_matched_nothing(world: World) -> None:
    out = await world.say("list service:nosuchservice")
    assert "service:nosuchservice" in _all_text(out.last.blocks)
    assert "No connectors match" in _all_text(out.last.blocks)


async def test_show_by_name_has_the_action_buttons(world: World) -> None:
    healthy = world.by_health("healthy")
    name = world.sim.connections[healthy].schema
    group = world.bot.cache.peek().group_name(world.bot.cache.peek().connections[healthy])  # type: ignore[union-attr]
    out = await world.say(f"show {group}/{name}")
    buttons = _buttons(out.last.blocks)
    assert {"Sync", "Force sync", "Pause", "Run tests", "Schemas", "Re-sync"} <= set(buttons)
    assert buttons["Re-sync"].get("style") == "danger" and "confirm" in buttons["Re-sync"]
    assert buttons["Sync"]["value"] == healthy


async def test_a_typo_answers_did_you_mean_with_buttons(world: World) -> None:
    healthy = world.by_health("healthy")
    name = world.sim.connections[healthy].schema
    out = await world.say(f"show {name[:-1]}x")
    text = _all_text(out.last.blocks)
    assert "No connector named" in text
    assert any(b["action_id"].startswith(ids.SHOW) for b in _buttons(out.last.blocks).values())


async def test_a_name_used_in_two_groups_answers_with_both(world: World) -> None:
    out = await world.say("show google_ads")
    buttons = _buttons(out.last.blocks)
    assert len(buttons) == 2
    assert all(b["action_id"].startswith(ids.SHOW) for b in buttons.values())


async def test_groups_and_one_group(world: World) -> None:
    out = await world.say("groups")
    assert out.last.text == "3 groups"
    snapshot = world.bot.cache.peek()
    assert snapshot is not None
    group = next(iter(snapshot.groups.values()))
    out = await world.say(f'group "{group.name}"')
    assert group.name in _all_text(out.last.blocks)
    out = await world.say("group nowhere")
    assert "No group named `nowhere`" in out.last.text


async def test_schemas_and_tables_of_a_connector(world: World) -> None:
    healthy = world.by_health("healthy")
    out = await world.say(f"schemas {healthy}")
    assert "tables enabled" in out.last.text
    out = await world.say(f"tables {healthy}")
    assert "enabled" in out.last.text
    out = await world.say(f"tables {healthy} no_such_schema")
    assert "no_such_schema" in _all_text(out.last.blocks)


async def test_sync_is_followed_to_success_in_one_message(world: World) -> None:
    healthy = world.by_health("healthy")
    world.sim.script_sync_outcome(healthy, "success", duration_s=300)
    await world.say(f"sync {healthy}")
    status, *replies = await world.channel()  # one message, owed through the outbox, edited to the end
    assert "succeeded in" in status.text and status.updates >= 1
    # it took more than a minute: the person who asked is told in its thread (edits notify nobody)
    assert [r.thread_ts for r in replies] == [status.ts] and "<@UADMIN001>" in replies[0].text
    assert world.sim.requests_by_operation["POST /v1/connections/{connection_id}/sync"] == 1


async def test_sync_is_followed_to_failure_with_the_reason(world: World) -> None:
    healthy = world.by_health("healthy")
    world.sim.script_sync_outcome(healthy, "failure", duration_s=120, reason="Source table 'orders' vanished")
    await world.say(f"sync {healthy}")
    final, *replies = await world.channel()
    assert "failed" in final.text
    assert "orders" in _all_text(final.blocks)
    # a failure is also told to the person who asked, in the message's thread
    assert [r.thread_ts for r in replies] == [final.ts] and "<@UADMIN001>" in replies[0].text


async def test_a_rescheduled_sync_is_reported_not_waited_for(world: World) -> None:
    healthy = world.by_health("healthy")
    world.sim.script_sync_outcome(healthy, "rescheduled", duration_s=30, reschedule_s=3600)
    await world.say(f"sync {healthy}")
    final = (await world.channel())[0]
    assert "rescheduled" in final.text.lower()


async def test_sync_without_a_channel_to_post_in_follows_through_the_reply(world: World) -> None:
    healthy = world.by_health("healthy")
    world.sim.script_sync_outcome(healthy, "success", duration_s=60)
    # the bot is not in the channel: Slack refuses every post there, for good
    world.double.fail_next("chat.postMessage", error="not_in_channel", times=50)
    out = RecordingResponder()
    await world.bot.router.command(f"sync {healthy}", Actor(ADMIN, CHANNEL), out)
    assert await world.channel() == []
    assert "succeeded" in out.replies[-1].message.text and out.replies[-1].replace


async def test_force_sync_from_a_command_asks_first(world: World) -> None:
    healthy = world.by_health("healthy")
    before = world.sim.request_count
    out = await world.say(f"sync {healthy} --force")
    confirm = _buttons(out.last.blocks)
    assert set(confirm) == {"Force sync", "Cancel"}
    assert world.sim.request_count == before
    done = await world.click(confirm["Force sync"]["action_id"], confirm["Force sync"]["value"])
    await world.bot.background.drain()
    said = done.replies[0].message.text
    assert "confirmed *Force sync* on *" in said and "(`/hvr sync" in said and done.replies[0].replace
    assert "Force sync of *" in (await world.channel())[0].text


async def test_pausing_a_healthy_connector_asks_and_resuming_does_not(world: World) -> None:
    healthy = world.by_health("healthy")
    out = await world.say(f"pause {healthy}")
    confirm = _buttons(out.last.blocks)
    assert "Pause" in confirm and not world.sim.connections[healthy].paused
    done = await world.click(confirm["Pause"]["action_id"], confirm["Pause"]["value"], user=OPERATOR)
    assert world.sim.connections[healthy].paused
    assert done.replies[-1].in_channel and "paused" in done.replies[-1].message.text
    out = await world.say(f"resume {healthy}", user=OPERATOR)
    assert not world.sim.connections[healthy].paused
    assert "resumed" in out.last.text.lower()


async def test_cancel_changes_nothing(world: World) -> None:
    healthy = world.by_health("healthy")
    out = await world.say(f"pause {healthy}")
    cancel = _buttons(out.last.blocks)["Cancel"]
    done = await world.click(cancel["action_id"], cancel["value"])
    assert "Cancelled" in done.last.text and done.replies[-1].replace
    assert not world.sim.connections[healthy].paused


async def test_setup_tests_show_each_result(world: World) -> None:
    broken = world.by_health("broken")
    out = await world.say(f"test {broken}", user=OPERATOR)
    assert out.replies[0].message.text.startswith("Running setup tests")
    result = out.replies[-1].message
    assert "setup tests failed" in result.text
    assert "✗" in _all_text(result.blocks)


async def test_resync_of_tables_asks_then_runs_once(world: World) -> None:
    healthy = world.by_health("healthy")
    settings = await world.bot.actions.get_schemas(healthy)
    schema, config = next(iter(settings.schemas.items()))
    table = next(t for t, c in config.tables.items() if c.enabled_patch_settings.allowed)
    out = await world.say(f"resync {healthy} {schema}.{table}", user=OPERATOR)
    confirm = _buttons(out.last.blocks)["Re-sync"]
    assert world.sim.requests_by_operation["POST /v1/connections/{connection_id}/schemas/tables/resync"] == 0
    done = await world.click(confirm["action_id"], confirm["value"], user=OPERATOR)
    assert "Re-sync of 1 table started" in done.last.text


async def test_a_historical_resync_needs_an_admin(world: World) -> None:
    healthy = world.by_health("healthy")
    out = await world.say(f"resync {healthy}", user=OPERATOR)
    assert "needs the admin role" in out.last.text


async def test_a_resync_while_syncing_is_refused_in_plain_words(world: World) -> None:
    healthy = world.by_health("healthy")
    # a running sync that will fail: Fivetran cannot complete it before the re-sync, so it answers 409
    world.sim.script_sync_outcome(healthy, "failure", duration_s=3600)
    await world.bot.fivetran.sync(healthy)
    done = await world.click(ids.aid(ids.RESYNC), healthy)
    assert "A sync is running" in done.last.text
    assert not done.replies[-1].in_channel


async def test_disabling_a_table_asks_and_enabling_does_not(world: World) -> None:
    healthy = world.by_health("healthy")
    settings = await world.bot.actions.get_schemas(healthy)
    schema, config = next(iter(settings.schemas.items()))
    table = next(t for t, c in config.tables.items() if c.enabled_patch_settings.allowed and c.enabled)
    out = await world.say(f"disable {healthy} {schema}.{table}", user=OPERATOR)
    confirm = _buttons(out.last.blocks)["Disable"]
    done = await world.click(confirm["action_id"], confirm["value"], user=OPERATOR)
    assert f"Disabled {schema}.{table}" in done.last.text
    after = await world.bot.actions.get_schemas(healthy)
    assert after.schemas[schema].tables[table].enabled is False
    out = await world.say(f"enable {healthy} {schema}.{table}", user=OPERATOR)
    assert f"Enabled {schema}.{table}" in out.last.text


async def test_a_system_table_cannot_be_switched_and_says_why(world: World) -> None:
    for cid in world.sim.connections:
        settings = await world.bot.actions.get_schemas(cid)
        locked = [
            (s, t)
            for s, sc in settings.schemas.items()
            for t, tc in sc.tables.items()
            if not tc.enabled_patch_settings.allowed
        ]
        if locked:
            schema, table = locked[0]
            out = await world.say(f"enable {cid} {schema}.{table}", user=OPERATOR)
            assert out.last.text.startswith(":warning: Could not")
            return
    raise AssertionError("the simulator should have system tables")


async def test_a_viewer_is_refused_every_change_and_told_who_can(world: World) -> None:
    healthy = world.by_health("healthy")
    for text in (f"sync {healthy}", f"pause {healthy}", f"resume {healthy}", f"test {healthy}"):
        out = await world.say(text, user=VIEWER)
        assert "needs the operator role; you are a viewer" in out.last.text
        assert "<@UOPER0001>" in out.last.text
    assert world.sim.connections[healthy].paused is False


async def test_a_viewer_clicking_an_operators_button_is_refused(world: World) -> None:
    healthy = world.by_health("healthy")
    out = await world.click(ids.aid(ids.SYNC, 3), healthy, user=VIEWER)
    assert "needs the operator role" in out.last.text
    assert not out.posts


async def test_a_double_click_starts_one_sync(world: World) -> None:
    healthy = world.by_health("healthy")
    await world.click(ids.aid(ids.SYNC), healthy)
    second = await world.click(ids.aid(ids.SYNC), healthy)
    statuses = [m for m in await world.channel() if m.thread_ts is None]
    assert len(statuses) == 1 and "Sync of *" in statuses[0].text
    assert "not doing it twice" in second.last.text


async def test_usage_errors_answer_with_help(world: World) -> None:
    out = await world.say("sync")
    assert "`sync` needs" in _all_text(out.last.blocks)
    out = await world.say("lsit")
    assert "Did you mean `list`?" in out.last.text


async def test_a_forged_or_stale_button_value_is_answered_not_crashed(world: World) -> None:
    out = await world.click(ids.aid(ids.TABLES), "{not json")
    assert out.replies
    out = await world.click("hvr.unknown_thing:1", "x")
    assert "older version" in out.last.text
    out = await world.click(ids.aid(ids.CONFIRM), ids.pack())
    assert "expired" in out.last.text
