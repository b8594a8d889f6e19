"""People's names, for the text that cannot hold a mention (a header, a modal title): `users.info`, cached.

In mrkdwn a person is always `<@U…>` (each reader sees the name, and it stays right after a rename); this is
only for plain text. A name is kept for an hour, an id Slack does not know (`user_not_found`) for a few
minutes; any other failure (Slack down, rate limited) is not kept, and the caller says it without a name.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,20}$")


def display_name(user: dict[str, Any]) -> str | None:
    """The name Slack's clients show: the display name when the person set one, else the real name."""
    profile = user.get("profile") or {}
    for candidate in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


class People:
    def __init__(
        self,
        web: AsyncWebClient,
        *,
        clock: Callable[[], float] = time.monotonic,
        ttl: float = 3600.0,
        unknown_ttl: float = 300.0,
        size: int = 2000,
    ) -> None:
        self._web = web
        self._clock = clock
        self._ttl = ttl
        self._unknown_ttl = unknown_ttl
        self._size = size
        self._names: OrderedDict[str, tuple[str | None, float]] = OrderedDict()
        self.lookups = 0  # users.info calls made: what the cache saves is visible in tests

    async def name(self, user_id: str) -> str | None:
        """The person's name, or None: not a user id, unknown to Slack, or Slack could not say now."""
        if not _USER_ID.match(user_id):
            return None
        kept = self._names.get(user_id)
        if kept is not None and kept[1] > self._clock():
            self._names.move_to_end(user_id)
            return kept[0]
        self.lookups += 1
        try:
            answer = await self._web.users_info(user=user_id)
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else None
            if code == "user_not_found":
                self._keep(user_id, None, self._unknown_ttl)
            else:
                log.info("users.info %s: %s; said without a name", user_id, code)
            return None
        except Exception as error:
            log.info("users.info %s failed (%s); said without a name", user_id, type(error).__name__)
            return None
        user = answer.get("user")
        name = display_name(user) if isinstance(user, dict) else None
        self._keep(user_id, name, self._ttl)
        return name

    def _keep(self, user_id: str, name: str | None, ttl: float) -> None:
        self._names[user_id] = (name, self._clock() + ttl)
        self._names.move_to_end(user_id)
        while len(self._names) > self._size:
            self._names.popitem(last=False)
