"""`/hvr audit @someone` end to end: the header names the person from users.info (plain text cannot hold a
mention), the entries name the pipeline rather than its id, and someone Slack does not know is said so."""

from __future__ import annotations

from tests.e2e.harness import E2E, OPERATOR, VIEWER, all_text


async def test_the_audit_of_a_person_names_them_in_the_header_and_the_pipeline_in_the_entries(
    e2e: E2E,
) -> None:
    e2e.double.set_user(OPERATOR, name="omar", real_name="Omar Operator")
    connection_id, name = e2e.connection_named("healthy")
    synced = await e2e.command(f"sync {name}")
    await e2e.wait_for_text("requested by", since=synced)
    await e2e.settle()

    sent = await e2e.command(f"audit <@{OPERATOR}>", user=VIEWER)

    view = await e2e.wait_for_message(lambda m: "audit entr" in m.text, since=sent)
    assert view.blocks[0]["text"]["text"] == "Audit by Omar Operator"
    entry = all_text(view)
    assert f"by <@{OPERATOR}>" in entry and f"on `{name}`" in entry
    assert f"`{connection_id}`" not in entry
    assert [c.params["user"] for c in e2e.double.calls_to("users.info")] == [OPERATOR]


async def test_someone_slack_does_not_know_is_neither_named_nor_mentioned(e2e: E2E) -> None:
    e2e.double.remove_user("U0NOBODY1")

    sent = await e2e.command("audit <@U0NOBODY1>", user=VIEWER)

    answer = await e2e.wait_for_text("No audit entries", since=sent)
    assert answer.text == "No audit entries by that person."
