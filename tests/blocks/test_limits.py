"""Every renderer, at every size and with hostile text, produces what Slack accepts and nothing that pings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.blocks.actions import render_follow
from bot.blocks.connectors import render_group, render_groups, render_list, render_show
from bot.blocks.message import Message
from bot.blocks.prompts import render_ambiguous, render_not_found
from bot.fivetran.models import Connection
from bot.services.pipelines.resolve import Ambiguous, Missing
from bot.services.pipelines.selectors import Selector, select
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.services.pipelines.sync_follower import FollowUpdate, Phase
from tests.blocks.checks import assert_safe
from tests.blocks.factory import HOSTILE, NOW, connection, make_snapshot, snapshot

Render = Callable[[AccountSnapshot], list[Message]]


def _first(snap: AccountSnapshot) -> list[Connection]:
    return list(snap.connections.values())[:5]


RENDERERS: dict[str, Render] = {
    "list": lambda s: [
        render_list(s, select(s, Selector()), Selector(), page=p, now=NOW) for p in (1, 3, 999)
    ],
    "groups": lambda s: [render_groups(s)],
    "group": lambda s: [render_group(s, g, now=NOW) for g in s.groups.values()],
    "show": lambda s: [render_show(s, c, now=NOW, notice=HOSTILE) for c in _first(s)],
    "not_found": lambda s: [render_not_found(Missing(HOSTILE, _first(s)), s)],
    "ambiguous": lambda s: [render_ambiguous(Ambiguous(HOSTILE, _first(s)), s)],
    "follow": lambda s: [
        render_follow(
            FollowUpdate(Phase.FAILED, 1, c, HOSTILE), actor="U1", connection_name=c.name, connection_id=c.id
        )
        for c in _first(s)
    ],
}


@pytest.mark.parametrize("name", list(RENDERERS))
@pytest.mark.parametrize("n", [0, 1, 25, 5000])
def test_renderer_fits_slack_at_every_size(name: str, n: int, big: dict[int, AccountSnapshot]) -> None:
    for message in RENDERERS[name](big[n]):
        assert_safe(message)


@pytest.fixture(scope="module")
def hostile() -> AccountSnapshot:
    """Names, services, group names and 100 tasks of 5,000 hostile characters each."""
    long = (HOSTILE + " ") * 90
    notices = [{"code": long, "message": long} for _ in range(100)]
    snap = make_snapshot(60, seed=7, name=long)
    conns = [
        c.model_copy(
            update={"service": long, "status": c.status.model_copy(update={"tasks": [], "warnings": []})}
        )
        for c in snap.connections.values()
    ]
    conns[0] = connection(
        id="hostile", group_id="group_0", schema=long, status={"setup_state": "broken", "tasks": notices}
    )
    groups = [g.model_copy(update={"name": long + g.id}) for g in snap.groups.values()]
    return snapshot(*conns, groups=groups)


@pytest.mark.parametrize("name", list(RENDERERS))
def test_renderer_escapes_and_cuts_hostile_fivetran_text(name: str, hostile: AccountSnapshot) -> None:
    for message in RENDERERS[name](hostile):
        assert_safe(message)


def test_an_overlong_connection_id_drops_the_menu_rather_than_break_the_message() -> None:
    c = connection(id="x" * 300)
    message = render_list(snapshot(c), [c], Selector(), page=1, now=NOW)
    assert_safe(message)
    assert "accessory" not in message.blocks[2]
