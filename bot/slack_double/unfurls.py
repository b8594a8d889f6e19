"""Links people share and the unfurls the bot attaches to them: `link_shared` out, `chat.unfurl` in.

Slack tells an app of a link in a message (`conversations_history`) or still in the composer
(`composer`, known only by its `unfurl_id`); chat.unfurl names the share either by `channel` + `ts` or by
`unfurl_id` + `source`, and may only unfurl URLs that are in it. A second unfurl of the same share
replaces the first, as Slack's does.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.slack_double.errors import ApiError

SOURCES = ("conversations_history", "composer")


@dataclass
class Share:
    """One message (or draft) with links the app registered a domain for."""

    channel: str
    user: str
    message_ts: str
    unfurl_id: str
    source: str
    urls: list[str]
    thread_ts: str | None = None
    unfurls: dict[str, dict[str, Any]] = field(default_factory=dict)

    def snapshot(self) -> Share:
        return dataclasses.replace(self, urls=list(self.urls), unfurls=dict(self.unfurls))

    def event(self, *, is_bot_user_member: bool = True) -> dict[str, Any]:
        """The `link_shared` event as Slack sends it for this share, every field filled."""
        event: dict[str, Any] = {
            "type": "link_shared",
            "channel": self.channel,
            "is_bot_user_member": is_bot_user_member,
            "user": self.user,
            "message_ts": self.message_ts,
            "unfurl_id": self.unfurl_id,
            "source": self.source,
            "links": [{"domain": _domain(url), "url": url} for url in self.urls],
            "event_ts": self.message_ts,
        }
        if self.thread_ts is not None:
            event["thread_ts"] = self.thread_ts
        return event


def _domain(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    return host.lower()


class Shares:
    def __init__(self) -> None:
        self._shares: list[Share] = []
        self._ids = itertools.count(1)

    def add(
        self, *, channel: str, user: str, message_ts: str, urls: list[str], source: str, thread_ts: str | None
    ) -> Share:
        if source not in SOURCES:
            raise ValueError(f"source is one of {SOURCES}")
        unfurl_id = f"{channel}.{message_ts}.{next(self._ids):08x}"
        share = Share(channel, user, message_ts, unfurl_id, source, list(urls), thread_ts)
        self._shares.append(share)
        return share

    def all(self) -> list[Share]:
        return list(self._shares)

    def target(self, params: dict[str, Any]) -> Share:
        """The share chat.unfurl names: channel + ts, or unfurl_id + source; never half of each."""
        channel, ts = params.get("channel"), params.get("ts")
        unfurl_id, source = params.get("unfurl_id"), params.get("source")
        if unfurl_id or source:
            if not (unfurl_id and source) or source not in SOURCES:
                raise ApiError("invalid_arguments")
            found = next((s for s in self._shares if s.unfurl_id == unfurl_id and s.source == source), None)
        elif channel and ts:
            found = next(
                (
                    s
                    for s in self._shares
                    if s.channel == channel and s.message_ts == ts and s.source == "conversations_history"
                ),
                None,
            )
        else:
            raise ApiError("invalid_arguments")
        if found is None:
            raise ApiError("cannot_unfurl_message")
        return found

    @staticmethod
    def attach(share: Share, unfurls: Any) -> None:
        if not isinstance(unfurls, dict) or not unfurls:
            raise ApiError("invalid_arguments")
        for url, unfurl in unfurls.items():
            if url not in share.urls:
                raise ApiError("cannot_unfurl_message")  # the URL is not in the message
            if not isinstance(unfurl, dict) or not isinstance(unfurl.get("blocks", []), list):
                raise ApiError("invalid_arguments")
        share.unfurls.update(unfurls)
