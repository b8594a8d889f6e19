"""`link_shared`: a Fivetran dashboard URL pasted in a channel becomes the pipeline's health card.

Whatever goes wrong here stays quiet: an unfurl is a courtesy, and a link the bot cannot show (another
account's id, a channel outside HVR_ALLOWED_CHANNELS, Fivetran away) simply keeps Slack's plain preview.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from bot.blocks.unfurl import render_unfurls
from bot.fivetran.errors import FivetranError
from bot.fivetran.models import Connection, Group
from bot.fivetran.patience import COMMAND_WAIT_S, patience
from bot.services.governance.access import Actor, Refused
from bot.services.pipelines.links import find_link, parse_dashboard_url
from bot.slack.flow import Flow

log = logging.getLogger(__name__)

# Slack sends at most a handful of links per message; more than this is not a message people wrote.
MAX_LINKS = 10


class Unfurls(Flow):
    async def unfurls(self, actor: Actor, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The unfurl of each URL the bot can show, keyed by the URL; empty when it shows none."""
        links = {
            url: link for url in list(urls)[:MAX_LINKS] if (link := parse_dashboard_url(url)) is not None
        }
        if not links:
            return {}
        try:
            await self.deps.policy.check(actor, "show")
        except Refused:
            return {}
        try:
            # Slack keeps its own preview until the unfurl comes; no point waiting on Fivetran forever.
            with patience(COMMAND_WAIT_S, time.monotonic):
                snapshot = await self.deps.cache.get()
        except FivetranError as error:
            log.warning("no unfurl in %s: Fivetran did not answer (%s)", actor.channel_id, error)
            return {}
        found: dict[str, Connection | Group] = {}
        for url, link in links.items():
            target = find_link(snapshot, link)
            if target is not None:
                found[url] = target
        return render_unfurls(snapshot, found, now=self.deps.now()) if found else {}
