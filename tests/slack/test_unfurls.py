"""Which pasted links get a card: the ones the bot can show, in channels where it acts."""

from __future__ import annotations

from bot.blocks.show import render_show
from bot.blocks.unfurl import render_unfurls
from bot.services.governance.access import AccessPolicy, Actor
from bot.slack.unfurls import Unfurls
from tests.blocks.factory import NOW, connection, snapshot
from tests.fakes.deps import only
from tests.slack.doubles import Cache

URL = "https://fivetran.com/dashboard/connections/decidedly_conventional/status"


def unfurls(policy: AccessPolicy) -> Unfurls:
    return Unfurls(only(cache=Cache(), policy=policy, now=lambda: NOW))


async def test_a_known_link_unfurls_into_the_show_card() -> None:
    found = await unfurls(AccessPolicy()).unfurls(Actor("U1", "C1"), [URL, "https://example.com/x"])

    expected = render_show(snapshot(connection()), connection(), now=NOW)
    assert found == {URL: {"blocks": expected.blocks}}


async def test_outside_the_allowed_channels_nothing_unfurls() -> None:
    policy = AccessPolicy(allowed_channels=["CALLOWED1"])

    assert await unfurls(policy).unfurls(Actor("U1", "COTHER001"), [URL]) == {}
    assert list(await unfurls(policy).unfurls(Actor("U1", "CALLOWED1"), [URL])) == [URL]


async def test_no_dashboard_link_asks_nobody_anything() -> None:
    # no cache, no policy: a message with other links must not reach either
    assert await Unfurls(only()).unfurls(Actor("U1", "C1"), ["https://example.com/a"]) == {}


def test_render_unfurls_keys_each_card_by_the_url_as_pasted() -> None:
    snap = snapshot(connection())
    group = next(iter(snap.groups.values()))
    cards = render_unfurls(
        snap, {URL: connection(), "https://fivetran.com/dashboard/destinations/w": group}, now=NOW
    )

    assert list(cards) == [URL, "https://fivetran.com/dashboard/destinations/w"]
    assert cards[URL]["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "salesforce_prod", "emoji": True},
    }
    assert (
        cards["https://fivetran.com/dashboard/destinations/w"]["blocks"][0]["text"]["text"]
        == "Group warehouse"
    )
