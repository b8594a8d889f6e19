"""Unfurls of pasted dashboard links: each pipeline's health card (the `show` view, with its buttons) or
a destination's group view, keyed by the URL as it was pasted, which is how chat.unfurl matches them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.blocks.groups import render_group
from bot.blocks.show import render_show
from bot.fivetran.models import Connection, Group
from bot.services.pipelines.snapshot import AccountSnapshot


def render_unfurls(
    snapshot: AccountSnapshot, found: Mapping[str, Connection | Group], *, now: datetime
) -> dict[str, dict[str, Any]]:
    unfurls: dict[str, dict[str, Any]] = {}
    for url, target in found.items():
        if isinstance(target, Connection):
            message = render_show(snapshot, target, now=now)
        else:
            message = render_group(snapshot, target, now=now)
        unfurls[url] = {"blocks": message.blocks}
    return unfurls
