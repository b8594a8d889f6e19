"""The audit log as people read it: `/hvr audit` and the mirror in HVR_AUDIT_CHANNEL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.blocks.kit import Block, context, fallback, header, section
from bot.blocks.message import Message
from bot.blocks.text import ago, clip, count, mention, moment
from bot.storage.audit import AuditEntry

MAX_ENTRIES = 40  # one section each, plus a header and a context line: well under 50 blocks

STATUS = {
    "started": ":hourglass_flowing_sand: started",
    "succeeded": ":white_check_mark: done",
    "failed": ":x: failed",
    "refused": ":no_entry: refused",
}


def _off(value: object) -> bool:
    # a flag left off (`force=False`) says nothing a reader needs
    return value is None or value is False or value in ("", "False", "false")


def _parameter(key: str, value: object) -> str:
    # a flag that is on reads as its name (`force`), not as Python's `force=True`
    if value is True or value in ("True", "true"):
        return clip(key, 30)
    return f"{clip(key, 30)}={clip(str(value), 80)}"


def _line(entry: AuditEntry, names: Mapping[str, str]) -> str:
    """`names`: each pipeline's name by its key; a key no longer in the account (deleted) stays a key."""
    who = mention(entry.user_id) if entry.user_id else "the bot"
    targets = ", ".join(f"`{clip(names.get(c, c), 60)}`" for c in entry.connectors[:5])
    if len(entry.connectors) > 5:
        targets += f" and {len(entry.connectors) - 5} more"
    params = ", ".join(_parameter(k, v) for k, v in list(entry.parameters.items())[:4] if not _off(v))
    text = (
        f"{STATUS.get(entry.status, entry.status)} · *{clip(entry.action, 40)}* by {who} via {entry.source}"
    )
    if targets:
        text += f" on {targets}"
    if params:
        text += f" ({params})"
    if entry.message:
        text += f"\n{clip(entry.message, 600)}"
    if entry.fivetran_code:  # Fivetran's or a hub's error code, whoever answered
        text += f" — code `{clip(entry.fivetran_code, 60)}`"
    return text


def render_audit(
    entries: list[AuditEntry],
    *,
    connector: str | None,
    user: str | None,
    now: datetime,
    user_name: str | None = None,
    names: Mapping[str, str] | None = None,
) -> Message:
    """`connector` is the name asked about, `user` the person: a mention in mrkdwn (each reader sees the
    name); the plain-text header holds `user_name` (from users.info) instead, or no one when it is not
    known, never the raw id."""
    # Only someone on record is mentioned: a typed id with no entries may be anyone, and must not ping them.
    if not user:
        who = ""
    elif entries:
        who = mention(user)
    else:
        who = clip(user_name, 80) if user_name else "that person"
    scope = (f" for {clip(connector, 200)}" if connector else "") + (f" by {who}" if user else "")
    if not entries:
        text = f"No audit entries{scope}."
        return Message(text=fallback(text), blocks=[section(text)])
    title = (
        "Audit" + (f": {connector}" if connector else "") + (f" by {user_name}" if user and user_name else "")
    )
    blocks: list[Block] = [header(title)]
    blocks.append(context(f"{count(len(entries), 'entry', 'entries')}{scope}, newest first"))
    for entry in entries[:MAX_ENTRIES]:
        blocks.append(
            section(
                f"{_line(entry, names or {})}\n_{moment(entry.at)} ({ago(entry.at, now)}) · ref `{clip(entry.request_id, 20)}`_"
            )
        )
    blocks.append(context("Newest first. `/hvr audit &lt;connector&gt;`, `/hvr audit @someone`, `limit:50`."))
    return Message(
        text=fallback(f"{count(len(entries), 'audit entry', 'audit entries')}{scope}"), blocks=blocks
    )


def render_audit_mirror(entry: AuditEntry, names: Mapping[str, str] | None = None) -> Message:
    text = f"{_line(entry, names or {})} · ref `{clip(entry.request_id, 20)}`"
    return Message(text=fallback(text), blocks=[section(text)])
