"""Text that goes into mrkdwn: escaped so nothing from Fivetran or a person can ping `<!channel>` or
forge a link, and cut with a marker before Slack's limits instead of being rejected."""

from __future__ import annotations

from datetime import UTC, datetime

ELLIPSIS = "…"


def esc(text: object) -> str:
    """Escape the three characters Slack's mrkdwn gives meaning to."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending in … when cut; never splits an `&amp;`-style escape."""
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - 1)]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head + ELLIPSIS


def plain(text: object, limit: int) -> str:
    """For plain_text fields (button labels, headers): no escaping needed, only the length."""
    return cut(" ".join(str(text).split()), limit)


def ago(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "never"
    seconds = int((now - then).total_seconds())
    if seconds < 0:
        return "just now"
    return duration(seconds) + " ago" if seconds >= 60 else "just now"


def duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {sec}s" if sec and minutes < 10 else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{hours // 24}d"


def stamp(then: datetime) -> str:
    """An absolute time, in UTC, that reads the same to everyone in a channel."""
    return then.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def until(then: datetime, now: datetime) -> str:
    """A time ahead, as people say it: "in 2h 5m"; "now" once it has passed."""
    seconds = (then - now).total_seconds()
    return "now" if seconds < 60 else f"in {duration(seconds)}"


def when(then: datetime | None, now: datetime) -> str:
    """Relative time with the absolute one after it, or "never"."""
    return "never" if then is None else f"{ago(then, now)} ({stamp(then)})"


def clip(text: object, limit: int) -> str:
    """Escaped for mrkdwn, then cut: the limit holds for what is sent, entities included."""
    return cut(esc(text), limit)
