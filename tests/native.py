"""What makes a payload read as native Slack, checked over every payload a test saw.

`problems(payload)` walks one message, view or unfurl (blocks, nested fields, the fallback `text`) and
answers what a person would trip over:

- a fixed-format UTC time ("2026-12-01 17:45 UTC", "17:45 UTC") in mrkdwn, where a `<!date^…>` token
  would show each reader their own time (a token's own fallback is fine, and so is a daily time of day:
  Fivetran keeps `daily_sync_time` in UTC, which is no moment a token could show);
- a raw Slack user id (`U0SHELL01`) anywhere but inside a mention `<@U…>`;
- a count with the wrong form of its noun ("1 connectors", "2 connector", "connector(s)");
- a selector the bot suggests (`group:"Finance"` in a `/hvr …` code span) that does not parse the same
  when typed with the smart quotes iOS and macOS put in.

`payloads(double)` is every payload the Slack double received or showed: each Web API call that carries
one (posts, edits, ephemerals, response_url answers, views, unfurls) and each message in its store (acks
included). The end-to-end harness runs the check after every test.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

from bot.commands.grammar import normalise, tokenize
from bot.services.pipelines.selectors import is_selector_term, parse_selector

# A Slack date token, `<!date^1764611100^{date_short_pretty} {time}|2026-12-01 17:45 UTC>`; its fallback
# (after `|`) is what clients without tokens show, so a UTC stamp belongs there.
_TOKEN = re.compile(r"<!date\^\d+\^[^|<>]*\|[^<>]*>")
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^<>]*)?>")
_STAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?:\s*(?:UTC|Z|\+00:00))?")
_CLOCK_UTC = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})? ?UTC\b")
# A time of day that recurs (a Fivetran daily sync time, a digest's schedule in UTC) is no moment a token
# could show: a sentence (or a field) that says it recurs may name one.
_SENTENCE_END = re.compile(r"(?:[.!?]\s|\n\n)")
_RECURS = re.compile(r"(?i)\b(?:daily|every|weekdays?|each day)\b")
_RAW_USER = re.compile(r"(?<![@\w])[UW][A-Z0-9]{7,}\b")

# Nouns the bot counts. The plural a count of 1 must not take, and the singular others must not.
_NOUNS = {
    "connector": "connectors",
    "connection": "connections",
    "pipeline": "pipelines",
    "table": "tables",
    "schema": "schemas",
    "column": "columns",
    "group": "groups",
    "destination": "destinations",
    "digest": "digests",
    "watch": "watches",
    "alert": "alerts",
    "problem": "problems",
    "change": "changes",
    "entry": "entries",
    "event": "events",
    "failure": "failures",
    "sync": "syncs",
    "user": "users",
    "member": "members",
    "message": "messages",
    "minute": "minutes",
    "hour": "hours",
    "day": "days",
    "request": "requests",
    "run": "runs",
    "source": "sources",
    "subscription": "subscriptions",
    "incident": "incidents",
    "time": "times",
    "schedule": "schedules",
    "reminder": "reminders",
}
_SINGULAR_OF = {plural: singular for singular, plural in _NOUNS.items()}
# A number, a modifier or two, its noun, and the word after: in "2 failure alerts" the noun is the last.
_COUNTED = re.compile(
    r"(?<![\w.,:/-])(\d{1,3}(?:,\d{3})*|\d+) (?:more |new |other |failed |healthy )?([a-z]+)\b(?: ([a-z]+)\b)?"
)
_EITHER = re.compile(r"\b[a-z]+\(e?s\)")
_SUGGESTED = re.compile(r"`(/hvr [^`]*)`")


def _texts(node: Any) -> Iterator[tuple[str, bool]]:
    """(text, is_mrkdwn) of every text a person reads under `node`."""
    if isinstance(node, dict):
        kind = node.get("type")
        text = node.get("text")
        if kind in ("mrkdwn", "plain_text") and isinstance(text, str):
            yield text, kind == "mrkdwn"
        for key, value in node.items():
            if key == "text" and isinstance(value, str) and kind in ("mrkdwn", "plain_text"):
                continue
            if key == "text" and isinstance(value, str):
                yield value, True  # a message's fallback text is mrkdwn (notifications, old clients)
            elif key in ("value", "action_id", "block_id", "callback_id", "private_metadata", "url"):
                continue  # machine data a person never reads
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def _daily(text: str, at: int) -> bool:
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    return _RECURS.search(text[(starts[-1] if starts else 0) : at]) is not None


# A code span is an identifier to copy (an HVR event's id is its timestamp), not a time to read.
_CODE_SPAN = re.compile(r"`[^`\n]*`")


def _time_problems(text: str) -> list[str]:
    rest = _CODE_SPAN.sub("", _TOKEN.sub("", text))
    found = [m.group(0) for m in _STAMP.finditer(rest)]
    found += [m.group(0) for m in _CLOCK_UTC.finditer(rest) if not _daily(rest, m.start())]
    return [f"fixed UTC time {t!r} where a date token fits: {text[:160]!r}" for t in found]


def _user_problems(text: str) -> list[str]:
    rest = _TOKEN.sub("", _MENTION.sub("", text))
    return [f"raw user id {u!r} outside a mention: {text[:160]!r}" for u in _RAW_USER.findall(rest)]


def _plural_problems(text: str) -> list[str]:
    found = []
    for number, first, second in _COUNTED.findall(text):
        word = second if second in _NOUNS or second in _SINGULAR_OF else first
        n = int(number.replace(",", ""))
        if n == 1 and word in _SINGULAR_OF:
            found.append(f"'{number} {word}' (one {_SINGULAR_OF[word]})")
        elif n != 1 and word in _NOUNS:
            found.append(f"'{number} {word}' ({_NOUNS[word]})")
    found += [f"{e!r} instead of the right form" for e in _EITHER.findall(text)]
    return [f"plural: {f}: {text[:160]!r}" for f in found]


def _smart(text: str) -> str:
    """A text as iOS types it: every pair of straight double quotes curled."""
    out, opening = [], True
    for char in text:
        if char == '"':
            out.append("\u201c" if opening else "\u201d")
            opening = not opening
        else:
            out.append(char)
    return "".join(out)


def _selector_problems(text: str) -> list[str]:
    found = []
    for command in _SUGGESTED.findall(text):
        if '"' not in command:
            continue
        typed = command.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        terms = [t for t in tokenize(normalise(typed)) if is_selector_term(t)]
        smart_terms = [t for t in tokenize(normalise(_smart(typed))) if is_selector_term(t)]
        try:
            same = parse_selector(smart_terms, allow_text=False) == parse_selector(terms, allow_text=False)
        except Exception as e:
            found.append(f"selector in {command!r} does not parse with smart quotes: {e}")
            continue
        if not same:
            found.append(f"selector in {command!r} reads differently with smart quotes")
    return found


def problems(payload: Any) -> list[str]:
    """Everything un-native in one payload (a message, a view, an unfurl map)."""
    found: list[str] = []
    for text, is_mrkdwn in _texts(payload):
        if is_mrkdwn:
            found += _time_problems(text)
            found += _selector_problems(text)
        found += _user_problems(text)
        found += _plural_problems(text)
    return found


_CARRIERS = ("blocks", "view", "unfurls", "attachments")


def _decoded(params: dict[str, Any]) -> dict[str, Any]:
    """A call's parameters with its structured ones read back from JSON (form-encoded calls send them so)."""
    out = dict(params)
    for key in _CARRIERS:
        value = out.get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):  # a string that is no JSON is shown as it is
                out[key] = json.loads(value)
    return out


def payloads(double: Any) -> Iterator[tuple[str, Any]]:
    """(where, payload) for everything shown to people through the double."""
    for index, call in enumerate(double.calls):
        params = _decoded(call.params)
        shows = call.method.startswith(("chat.", "views.")) or call.method == "response_url"
        shown = {k: params[k] for k in ("text", *_CARRIERS) if k in params}
        if shows and shown:
            yield f"call {index} {call.method}", shown
    for message in double.all_messages():
        yield f"message {message.ts}", {"text": message.text, "blocks": message.blocks}


def double_problems(double: Any) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for where, payload in payloads(double):
        for problem in problems(payload):
            if problem not in seen:  # an edited message repeats its text in every edit
                seen.add(problem)
                found.append(f"{where}: {problem}")
    return found
