"""The workspace around the bot: who the bot is, users, user groups and channels."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.slack_double.errors import ApiError

_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
_CHANNEL_ID = re.compile(r"^[CDG][A-Z0-9]+$")


@dataclass(frozen=True)
class Identity:
    """Who the bot token belongs to, as auth.test tells Bolt."""

    team_id: str = "T0DOUBLE"
    team: str = "hvr-double"
    url: str = "https://hvr-double.slack.com/"
    user_id: str = "U0HVRBOT"
    user: str = "hvr-bot"
    bot_id: str = "B0HVRBOT"
    scopes: tuple[str, ...] = (
        "commands",
        "chat:write",
        "chat:write.public",
        "usergroups:read",
        "links:read",
        "links:write",
        "users:read",
    )


@dataclass
class User:
    id: str
    name: str
    real_name: str
    tz: str
    display_name: str = ""  # as on Slack: often left empty, and then clients show the real name


class Directory:
    """Users and channels answer for any well-formed id, so tests only configure what they look at; a
    user removed (`remove_user`: never in this workspace, or gone from it) is `user_not_found`, as Slack
    answers for an id it does not know."""

    def __init__(self, clock: Callable[[], float], *, default_tz: str = "America/Los_Angeles") -> None:
        self._clock = clock
        self._default_tz = default_tz
        self._users: dict[str, User] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._channels: dict[str, str] = {}
        self._absent: set[str] = set()

    def set_usergroup(self, usergroup: str, users: list[str]) -> None:
        self._usergroups[usergroup] = list(users)

    def set_user(
        self,
        user: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str | None = None,
        display_name: str = "",
    ) -> None:
        name = name or f"user-{user.lower()}"
        self._absent.discard(user)
        self._users[user] = User(
            user, name, real_name or name.replace("-", " ").title(), tz or self._default_tz, display_name
        )

    def set_channel(self, channel: str, name: str) -> None:
        self._channels[channel] = name

    def remove_user(self, user: str) -> None:
        self._users.pop(user, None)
        self._absent.add(user)

    def usergroup_users(self, usergroup: Any) -> list[str]:
        if usergroup not in self._usergroups:
            raise ApiError("no_such_subteam")
        return list(self._usergroups[usergroup])

    def user_info(self, user: Any) -> dict[str, Any]:
        if not isinstance(user, str) or not _USER_ID.match(user) or user in self._absent:
            raise ApiError("user_not_found")
        if user not in self._users:
            self.set_user(user)
        found = self._users[user]
        offset = datetime.fromtimestamp(self._clock(), ZoneInfo(found.tz)).utcoffset()
        return {
            "id": found.id,
            "team_id": Identity.team_id,
            "name": found.name,
            "real_name": found.real_name,
            "deleted": False,
            "is_bot": False,
            "tz": found.tz,
            "tz_label": found.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": {
                "display_name": found.display_name,
                "display_name_normalized": found.display_name,
                "real_name": found.real_name,
                "real_name_normalized": found.real_name,
            },
        }

    def channel_info(self, channel: Any) -> dict[str, Any]:
        if not isinstance(channel, str) or not _CHANNEL_ID.match(channel):
            raise ApiError("channel_not_found")
        name = self._channels.get(channel, f"channel-{channel.lower()}")
        return {
            "id": channel,
            "name": name,
            "is_channel": channel.startswith("C"),
            "is_private": channel.startswith("G"),
            "is_im": channel.startswith("D"),
            "is_archived": False,
        }
