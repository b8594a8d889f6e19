"""Text that goes into mrkdwn: escaped so nothing from Fivetran or a person can ping `<!channel>` or
forge a link, and cut with a marker before Slack's limits instead of being rejected."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

ELLIPSIS = "…"
SHOWN_INSTEAD = "\ufffd"

# C0 and C1 controls (ESC, NUL, BEL, CR, …; not \t and \n) and the bidirectional marks, embeddings,
# overrides and isolates. From outside they hide a terminal escape in the shell or make a name read
# differently from what it is ("txt.exe" shown for "exe.txt"); each is replaced by U+FFFD, so a tampered
# name looks tampered rather than looking like another name.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: object) -> str:
    return _HIDDEN.sub(SHOWN_INSTEAD, str(text))


def esc(text: object) -> str:
    """Escape the three characters Slack's mrkdwn gives meaning to, and make hidden controls visible."""
    return visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending in … when cut; never splits an `&amp;`-style escape or a
    `<…>` token.

    Every text the views send ends here, so hidden controls are made visible here too: a string that
    skipped `esc` (a constant, a plain_text label) still cannot carry one.
    """
    text = visible(text)
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - 1)]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    # nor a `<…>` the bot made (a date token, a mention, a link): half of one shows as garbage
    opened = head.rfind("<")
    if opened != -1 and ">" not in head[opened:]:
        head = head[:opened]
    return head + ELLIPSIS


def plain(text: object, limit: int) -> str:
    """For plain_text fields (button labels, headers): no escaping needed, only the length."""
    return cut(" ".join(visible(text).split()), limit)


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


def moment(then: datetime, fallback: str | None = None) -> str:
    """A time for mrkdwn as a Slack date token: each reader sees it in their own zone and locale
    ("Yesterday 17:45"); clients that cannot render tokens show `fallback` (the UTC stamp by default).
    plain_text fields cannot carry a token: they keep `stamp`."""
    shown = esc(fallback if fallback is not None else stamp(then))
    return f"<!date^{int(then.timestamp())}^{{date_short_pretty}} {{time}}|{shown}>"


_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def daily_time(utc_hh_mm: str, now: datetime) -> str:
    """A UTC time of day that recurs (Fivetran's `daily_sync_time`) as a `{time}` token of its next
    occurrence, so each reader sees it on their own clock; the fallback says it in UTC. A value that is no
    time of day is said as it is, in UTC."""
    found = _HH_MM.match(utc_hh_mm)
    if found is None:
        return f"{esc(utc_hh_mm)} UTC"
    hour, minute = int(found.group(1)), int(found.group(2))
    start = now.astimezone(UTC)
    at = start.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if at < start:
        at += timedelta(days=1)
    return f"<!date^{int(at.timestamp())}^{{time}}|{hour:02d}:{minute:02d} UTC>"


def until(then: datetime, now: datetime) -> str:
    """A time ahead, as people say it: "in 2h 5m"; "now" once it has passed."""
    seconds = (then - now).total_seconds()
    return "now" if seconds < 60 else f"in {duration(seconds)}"


def when(then: datetime | None, now: datetime) -> str:
    """Relative time with the absolute one after it, or "never"."""
    return "never" if then is None else f"{ago(then, now)} ({moment(then)})"


# Slack user (U…, W… on Enterprise Grid) and bot (B…) ids: the only text wrapped in a mention.
_SLACK_ID = re.compile(r"^[UWB][A-Z0-9]{1,20}$")


def mention(user_id: str) -> str:
    """A Slack id as a mention (`<@U…>`, shown as the person's name to each reader); anything else as
    escaped text, so a forged "id" can neither ping nor link."""
    return f"<@{user_id}>" if _SLACK_ID.match(user_id) else clip(user_id, 100)


def clip(text: object, limit: int) -> str:
    """Escaped for mrkdwn, then cut: the limit holds for what is sent, entities included."""
    return cut(esc(text), limit)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 connector`, `2 connectors`, `1,204 tables`: a number with its noun in the right form."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
