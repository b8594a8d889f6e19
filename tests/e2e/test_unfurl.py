"""Pasting a Fivetran dashboard link: the pipeline's health card unfurls under it, through chat.unfurl."""

from __future__ import annotations

from bot.slack_double import Share
from bot.slack_double.store import Message
from tests.e2e.harness import CHANNEL, E2E, OPERATOR, labels


def card(share: Share, url: str) -> Message:
    """An unfurl as a message of its own, for the harness's helpers that read messages."""
    return Message(ts=share.message_ts, channel=share.channel, text="", blocks=share.unfurls[url]["blocks"])


async def unfurled(e2e: E2E, share: Share) -> Share:
    response = await e2e.event(share.event())
    assert response.status_code == 200
    await e2e.double.wait_for(lambda: bool(e2e.double.calls_to("chat.unfurl")) or None)
    [found] = [s for s in e2e.double.shares() if s.unfurl_id == share.unfurl_id]
    return found


async def test_a_pasted_connection_url_unfurls_into_its_health_card_with_its_buttons(e2e: E2E) -> None:
    connection_id, name = e2e.connection_named("healthy")
    url = f"https://fivetran.com/dashboard/connectors/{connection_id}/status?groupId=g&service=s"
    share = e2e.double.share_links(channel=CHANNEL, user=OPERATOR, urls=[url])

    found = await unfurled(e2e, share)

    [call] = e2e.double.calls_to("chat.unfurl")
    assert (call.params["unfurl_id"], call.params["source"]) == (share.unfurl_id, "conversations_history")
    shown = card(found, url)
    assert shown.blocks[0]["text"]["text"] == name
    assert labels(shown) == ["Sync", "Force sync", "Pause", "Run tests", "Schemas", "Schedule", "Re-sync"]


async def test_a_link_still_in_the_composer_unfurls_by_its_unfurl_id(e2e: E2E) -> None:
    connection_id, name = e2e.connection_named("healthy")
    url = f"https://fivetran.com/dashboard/connections/{connection_id}"
    share = e2e.double.share_links(channel=CHANNEL, user=OPERATOR, urls=[url], source="composer")

    found = await unfurled(e2e, share)

    assert card(found, url).blocks[0]["text"]["text"] == name


async def test_an_unknown_id_unfurls_to_nothing_and_a_known_one_beside_it_still_does(e2e: E2E) -> None:
    connection_id, _ = e2e.connection_named("healthy")
    known = f"https://fivetran.com/dashboard/connections/{connection_id}/status"
    unknown = "https://fivetran.com/dashboard/connections/no_such_connection/status"
    share = e2e.double.share_links(channel=CHANNEL, user=OPERATOR, urls=[unknown, known])

    found = await unfurled(e2e, share)

    assert list(found.unfurls) == [known]


async def test_only_unknown_links_make_no_chat_unfurl_call_at_all(e2e: E2E) -> None:
    share = e2e.double.share_links(
        channel=CHANNEL,
        user=OPERATOR,
        urls=["https://fivetran.com/dashboard/connections/nobody_here", "https://fivetran.com/docs/rest-api"],
    )
    await e2e.event(share.event())
    # the listener runs after the ack; a link_shared after it is handled after it, so waiting for that
    # one's unfurl shows the first was handled (and made no call)
    connection_id, _ = e2e.connection_named("healthy")
    marker = e2e.double.share_links(
        channel=CHANNEL, user=OPERATOR, urls=[f"https://fivetran.com/dashboard/connections/{connection_id}"]
    )
    await unfurled(e2e, marker)

    assert [c.params["unfurl_id"] for c in e2e.double.calls_to("chat.unfurl")] == [marker.unfurl_id]


async def test_a_destination_url_unfurls_into_its_group(e2e: E2E) -> None:
    group = next(iter(e2e.sim.groups.values()))
    url = f"https://fivetran.com/dashboard/destinations/{group.id}/connectors"
    share = e2e.double.share_links(channel=CHANNEL, user=OPERATOR, urls=[url])

    found = await unfurled(e2e, share)

    assert group.name in found.unfurls[url]["blocks"][0]["text"]["text"]
