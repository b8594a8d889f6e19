"""The audit trail: every request that would change something, allowed, refused or failed, is on record
once, written before it runs and finalised once after; `/hvr audit` filters it; HVR_AUDIT_CHANNEL mirrors
it; and it outlives the process, on SQLite and on PostgreSQL."""

from __future__ import annotations

from bot.blocks import ids
from bot.services.governance.audit import Auditor
from bot.storage.audit import AuditEntry, AuditRepo
from tests.governance.conftest import (
    ADMIN,
    AUDIT_CHANNEL,
    CHANNEL,
    OPERATOR,
    VIEWER,
    Gov,
    MakeGov,
    text_of,
)


def repo_of(gov: Gov) -> AuditRepo:
    repo = gov.bot.router.deps.audit_repo
    assert repo is not None
    return repo


async def entries_for(gov: Gov, connector: str) -> list[AuditEntry]:
    return await repo_of(gov).query(connector=connector, limit=200)


async def test_an_allowed_command_is_recorded_once_with_who_where_what_and_outcome(gov: Gov) -> None:
    target = gov.t.healthy[0]
    await gov.say(f"pause {target.id}", OPERATOR, confirmed=True)
    [entry] = await entries_for(gov, target.id)
    assert (entry.user_id, entry.channel_id, entry.source) == (OPERATOR, CHANNEL, "command")
    assert (entry.action, entry.connectors, entry.status) == ("pause", (target.id,), "succeeded")
    assert entry.fivetran_code is None
    assert entry.message is not None and "Paused" in entry.message
    assert entry.request_id and entry.at is not None
    assert entry.finished_at is not None and entry.finished_at >= entry.at


async def test_a_button_press_is_recorded_as_a_button_with_its_parameters(gov: Gov) -> None:
    target = gov.t.healthy[0]
    await gov.click(
        ids.aid(ids.DISABLE_TABLE), ids.pack(c=target.id, s=target.schema, t=target.table), OPERATOR
    )
    [entry] = await entries_for(gov, target.id)
    assert (entry.source, entry.action, entry.status) == ("button", "disable_table", "succeeded")
    assert entry.parameters == {"table": f"{target.schema}.{target.table}"}


async def test_a_refused_change_is_recorded_once_as_refused_with_the_reason(gov: Gov) -> None:
    target = gov.t.healthy[0]
    await gov.say(f"pause {target.id}", VIEWER, confirmed=True)
    [entry] = await entries_for(gov, target.id)
    assert (entry.user_id, entry.action, entry.status) == (VIEWER, "pause", "refused")
    assert entry.message is not None and "needs the operator role" in entry.message
    assert entry.finished_at is not None


async def test_reads_are_not_audited(gov: Gov) -> None:
    target = gov.t.healthy[0].id
    for text in (f"show {target}", f"schemas {target}", "list", "audit"):
        await gov.say(text, VIEWER)
    assert await repo_of(gov).query(limit=50) == []


async def test_a_change_fivetran_refuses_is_recorded_as_failed_with_its_code_and_message(gov: Gov) -> None:
    target = gov.t.healthy[0]
    # a sync runs that will fail: Fivetran cannot complete it first, so it answers a re-sync with 409
    gov.sim.script_sync_outcome(target.id, "failure", duration_s=3600)
    await gov.say(f"sync {target.id}", OPERATOR)
    out = await gov.say(f"resync {target.id} {target.schema}.{target.table}", OPERATOR, confirmed=True)
    entries = await entries_for(gov, target.id)
    assert [e.action for e in entries] == ["resync_tables", "sync"]
    failed = entries[0]
    assert (failed.status, failed.fivetran_code) == ("failed", "Conflict")
    assert failed.message is not None and "is syncing" in failed.message
    assert failed.parameters == {"tables": [f"{target.schema}.{target.table}"]}
    assert not out.replies[-1].in_channel  # a failure is told to the person, not the channel


async def test_an_entry_is_written_before_the_change_runs(gov: Gov) -> None:
    target = gov.t.healthy[0].id
    seen: list[list[str]] = []

    async def look_while_fivetran_works(seconds: float) -> None:
        seen.append([e.status for e in await entries_for(gov, target)])

    gov.sim.sleep = look_while_fivetran_works
    gov.sim.faults.script(method="PATCH", path_regex=f"/connections/{target}$", kind="delay", delay_s=1.0)
    await gov.say(f"pause {target}", OPERATOR, confirmed=True)
    assert seen == [["started"]]
    assert [e.status for e in await entries_for(gov, target)] == ["succeeded"]


async def test_a_final_entry_is_never_changed_by_a_second_finish(gov: Gov) -> None:
    repo = repo_of(gov)
    entry_id = await repo.start(
        request_id="r1", user_id=OPERATOR, channel_id=CHANNEL, source="command", action="pause"
    )
    assert await repo.finish(entry_id, "succeeded", None, "Paused.")
    first = await repo.get(entry_id)
    assert not await repo.finish(entry_id, "failed", "Conflict", "rewritten")
    assert await repo.get(entry_id) == first
    refused = await repo.record(
        request_id="r2", user_id=VIEWER, channel_id=CHANNEL, source="button", action="pause", status="refused"
    )
    assert not await repo.finish(refused, "succeeded")
    assert (await repo.get(refused)).status == "refused"  # type: ignore[union-attr]


async def test_audit_by_connector_shows_only_that_connectors_entries(gov: Gov) -> None:
    one, two = gov.t.healthy
    await gov.say(f"pause {one.id}", OPERATOR, confirmed=True)
    await gov.say(f"pause {two.id}", ADMIN, confirmed=True)
    await gov.say(f"test {one.id}", VIEWER)
    text = text_of((await gov.say(f"audit {one.name}", VIEWER)).last)
    assert f"for {one.name}" in text
    assert f"`{one.id}`" in text and f"`{two.id}`" not in text
    assert "refused" in text and "*test*" in text and "*pause*" in text


async def test_audit_by_person_shows_only_what_they_did(gov: Gov) -> None:
    one, two = gov.t.healthy
    await gov.say(f"pause {one.id}", OPERATOR, confirmed=True)
    await gov.say(f"pause {two.id}", ADMIN, confirmed=True)
    text = text_of((await gov.say(f"audit <@{ADMIN}|ana> limit:5", VIEWER)).last)
    assert f"by <@{ADMIN}>" in text and f"`{two.id}`" in text
    assert f"<@{OPERATOR}>" not in text and f"`{one.id}`" not in text


async def test_the_audit_channel_gets_one_mirror_of_each_final_entry(make_gov: MakeGov) -> None:
    gov = await make_gov(hvr_audit_channel=AUDIT_CHANNEL)
    target = gov.t.healthy[0].id
    await gov.say(f"pause {target}", OPERATOR, confirmed=True)
    await gov.say(f"resume {target}", VIEWER)
    await gov.say(f"access grant <@{VIEWER}> operator", ADMIN)
    await gov.bot.outbox.deliverer.drain()  # the mirror is owed through the outbox
    mirrored = [m.text for m in gov.double.messages(AUDIT_CHANNEL)]
    assert len(mirrored) == 3, mirrored
    assert "done" in mirrored[0] and "*pause*" in mirrored[0] and f"<@{OPERATOR}>" in mirrored[0]
    assert "refused" in mirrored[1] and "*resume*" in mirrored[1] and "needs the operator role" in mirrored[1]
    assert "*access_grant*" in mirrored[2]
    assert not gov.double.messages(CHANNEL)  # the mirror goes only where it was asked to


async def test_a_mirror_that_slack_refuses_does_not_block_the_change(make_gov: MakeGov) -> None:
    gov = await make_gov(hvr_audit_channel=AUDIT_CHANNEL)
    gov.double.fail_next("chat.postMessage", status=200, error="channel_not_found")
    target = gov.t.healthy[0].id
    before = gov.operations()
    await gov.say(f"pause {target}", OPERATOR, confirmed=True)
    await gov.bot.outbox.deliverer.drain()
    assert gov.sent_since(before)["PATCH /v1/connections/{connection_id}"] == 1
    assert [e.status for e in await entries_for(gov, target)] == ["succeeded"]
    assert gov.double.messages(AUDIT_CHANNEL) == [] and await gov.bot.outbox.repo.pending() == []


async def test_the_mirror_is_owed_with_the_entry_while_slack_is_down_and_posted_once_after(
    make_gov: MakeGov,
) -> None:
    gov = await make_gov(hvr_audit_channel=AUDIT_CHANNEL)
    gov.double.fail_next("chat.postMessage", status=500)
    target = gov.t.healthy[0].id
    await gov.say(f"pause {target}", OPERATOR, confirmed=True)
    (owed,) = await gov.bot.outbox.repo.pending(AUDIT_CHANNEL)  # committed with the final entry
    assert owed.origin == "audit" and "*pause*" in owed.text

    await gov.bot.outbox.deliverer.run_once()  # Slack answers 500: kept for later
    assert gov.double.messages(AUDIT_CHANNEL) == []
    gov.clock.advance(5)
    await gov.bot.outbox.deliverer.drain()

    (mirror,) = gov.double.messages(AUDIT_CHANNEL)
    assert "*pause*" in mirror.text and await gov.bot.outbox.repo.pending() == []


async def test_finishing_an_entry_twice_mirrors_it_once(make_gov: MakeGov) -> None:
    gov = await make_gov()
    auditor = Auditor(
        repo_of(gov),
        poster=gov.bot.outbox.poster,
        mirror_channel=AUDIT_CHANNEL,
        unit=gov.bot.database.unit,
    )
    entry_id = await auditor.repo.start(
        request_id="r1", user_id=OPERATOR, channel_id=CHANNEL, source="command", action="pause"
    )
    await auditor.finish(entry_id, "succeeded", None, "Paused.")
    await auditor.finish(entry_id, "failed", "Conflict", "late retry")
    await gov.bot.outbox.deliverer.drain()
    assert len(gov.double.messages(AUDIT_CHANNEL)) == 1


async def test_the_audit_outlives_a_restart(make_gov: MakeGov, database_url: str) -> None:
    first = await make_gov(database_url=database_url, start=True)
    target = first.t.healthy[0].id
    await first.say(f"pause {target}", OPERATOR, confirmed=True)
    await first.say(f"resume {target}", VIEWER)
    await first.bot.aclose(drain_seconds=0)

    second = await make_gov(database_url=database_url, start=True)
    assert second.t.healthy[0].id == target  # the same generated account
    entries = await entries_for(second, target)
    assert [(e.action, e.status, e.user_id) for e in entries] == [
        ("resume", "refused", VIEWER),
        ("pause", "succeeded", OPERATOR),
    ]
    text = text_of((await second.say(f"audit {target}", VIEWER)).last)
    assert f"<@{OPERATOR}>" in text and f"<@{VIEWER}>" in text
