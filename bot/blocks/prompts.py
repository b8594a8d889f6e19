"""Help, usage errors, "did you mean", confirmations, cancellations, errors and refusals."""

from __future__ import annotations

from bot.blocks import ids
from bot.blocks.help import ALIASES, CONNECTORS, EXTRA_TOPICS, SELECTORS, TOPICS, Topic
from bot.blocks.kit import Block, actions, button, context, fallback, header, section
from bot.blocks.message import Message
from bot.blocks.sources import unreachable_blocks
from bot.blocks.text import clip, esc, mention
from bot.commands.grammar import UsageError
from bot.fivetran.models import Connection
from bot.keys import source_of
from bot.services.pipelines.resolve import Ambiguous, Missing
from bot.services.pipelines.snapshot import AccountSnapshot

QUERY_MAX = 100
MESSAGE_MAX = 2500
MAX_CANDIDATES = 5

LOOK = ("list", "show", "groups", "group", "schemas", "tables", "columns")
ACT = ("sync", "pause", "resume", "test", "enable", "disable", "resync", "compare", "schedule", "reconnect")
SUBSCRIBE = ("digest", "watch", "unwatch", "unsnooze")
GOVERN = ("access", "audit")


# Help texts hold placeholders like `<connector>`: unescaped, Slack would read them as links.
def _topic_line(topic: Topic) -> str:
    return f"`/hvr {esc(topic.usage)}`: {esc(topic.does)} _e.g._ `/hvr {esc(topic.examples[0])}`"


def _overview() -> list[Block]:
    look = "\n".join(_topic_line(TOPICS[v]) for v in LOOK)
    act = "\n".join(_topic_line(TOPICS[v]) for v in ACT)
    return [
        header("hvr: Fivetran and HVR hubs from Slack"),
        section(f"*Look* (anyone who can view)\n{look}"),
        section(f"*Act* (operators; bulk and full re-sync: admins)\n{act}"),
        section("*Subscribe* (operators)\n" + "\n".join(_topic_line(TOPICS[v]) for v in SUBSCRIBE)),
        section("*Govern*\n" + "\n".join(_topic_line(TOPICS[v]) for v in GOVERN)),
        section(f"{esc(CONNECTORS)}\n{esc(SELECTORS)}"),
        context("`/hvr help &lt;command&gt;` shows one command with more examples. `show` is also `status`."),
    ]


def _topic_blocks(topic: Topic) -> list[Block]:
    examples = "\n".join(f"`/hvr {esc(e)}`" for e in topic.examples)
    return [
        section(f"*`/hvr {esc(topic.usage)}`*\n{esc(topic.does)}\n*Examples*\n{examples}"),
        context(f"Who: {topic.role}. `/hvr help` lists every command."),
    ]


def topic_name(topic: str | None) -> str | None:
    """The help page a topic word names, or None when there is none."""
    if topic is None:
        return None
    key = ALIASES.get(topic.lower(), topic.lower())
    return key if key in TOPICS or key in EXTRA_TOPICS else None


def render_help(topic: str | None) -> Message:
    if topic is None:
        return Message(text="hvr: every command, with examples", blocks=_overview())
    key = topic_name(topic)
    if key is None:
        text = f"There is no help on `{clip(topic, QUERY_MAX)}`. Here is every command:"
        return Message(text=fallback(text), blocks=[section(text), *_overview()])
    if key in EXTRA_TOPICS:
        text = esc(EXTRA_TOPICS[key])
        return Message(text=fallback(text), blocks=[section(text)])
    blocks = _topic_blocks(TOPICS[key])
    return Message(text=fallback(f"/hvr {esc(TOPICS[key].usage)}"), blocks=blocks)


def render_usage_error(error: UsageError) -> Message:
    text = f":warning: {clip(error.message, MESSAGE_MAX)}"
    key = topic_name(error.topic)
    if key in TOPICS:
        blocks = [section(text), *_topic_blocks(TOPICS[key])]
    else:
        blocks = [section(text), context("`/hvr help` lists every command, with examples.")]
    return Message(text=fallback(text), blocks=blocks)


def _candidate_buttons(snapshot: AccountSnapshot, connections: list[Connection]) -> list[Block]:
    return actions(
        button(f"{snapshot.place(c)}/{c.name}", ids.aid(ids.SHOW, i), c.id)
        for i, c in enumerate(connections[:MAX_CANDIDATES])
    )


def render_not_found(missing: Missing, snapshot: AccountSnapshot) -> Message:
    query = clip(missing.query, QUERY_MAX)
    text = f"No connector named `{query}`."
    head, sep, _ = missing.query.strip().partition(":")
    if sep and snapshot.several and head.lower() not in snapshot.sources:
        # `nope:stripe`: a mistyped source reads as a name nobody has; say which sources there are
        known = ", ".join(f"`{clip(s, 60)}`" for s in snapshot.sources)
        text += f" There is no source `{clip(head, 60)}`; the sources are {known}."
    if missing.suggestions:
        blocks = [section(f"{text} Did you mean:"), *_candidate_buttons(snapshot, missing.suggestions)]
    else:
        hint = "`/hvr list &lt;text&gt;` searches names, services and groups."
        blocks = [section(f"{text} {hint}")]
    # it may be in a source that did not answer: say so rather than let "no such connector" stand alone
    return Message(text=fallback(text), blocks=[*blocks, *unreachable_blocks(snapshot)])


def render_ambiguous(amb: Ambiguous, snapshot: AccountSnapshot) -> Message:
    sources = {source_of(c.id) for c in amb.candidates}
    where, typed = ("sources", "`source:name`") if len(sources) > 1 else ("groups", "`group/name`")
    text = f"`{clip(amb.query, QUERY_MAX)}` is in several {where}:"
    blocks = [
        section(text),
        *_candidate_buttons(snapshot, amb.candidates),
        context(f"Pick one, or type it as {typed}."),
    ]
    return Message(text=fallback(text), blocks=blocks)


def render_confirm(
    question: str, *, command_text: str, confirm_label: str, name: str = "", danger: bool = True
) -> Message:
    """Asks before a destructive slash command; `question` is plain words (escaped here). `name`, the
    pipeline's, travels with the command so that the confirmed message names it (the command has its id)."""
    text = f":warning: {clip(question, MESSAGE_MAX)}"
    said = {"n": name, "l": confirm_label} if name else {}
    yes = button(
        confirm_label,
        ids.aid(ids.CONFIRM),
        ids.pack(cmd=command_text, **said),
        style="danger" if danger else "primary",
    )
    blocks: list[Block] = [section(text)]
    blocks += actions([yes, button("Cancel", ids.aid(ids.CANCEL), "cancel")])
    if yes is None:
        # the command would not fit in a button's value: running a cut command would be worse than none
        blocks.append(context("This command is too long to confirm with a button; shorten it and try again."))
    else:
        blocks.append(context(f"`/hvr {clip(command_text, 500)}`"))
    return Message(text=fallback(text), blocks=blocks)


def render_cancelled(what: str = "", *, by: str | None = None) -> Message:
    said = (f" {clip(what, MESSAGE_MAX)}" if what else "") + (f" by {mention(by)}" if by else "")
    text = f":no_entry_sign: Cancelled{said}. Nothing was changed."
    return Message(text=fallback(text), blocks=[section(text)])


def render_error(message: str, *, reference: str | None = None) -> Message:
    text = f":warning: {clip(message, MESSAGE_MAX)}"
    blocks = [section(text)]
    if reference:
        blocks.append(context(f"Reference: `{clip(reference, 100)}` — quote it when you report this"))
    return Message(text=fallback(text), blocks=blocks)


def render_refused(reason: str, *, ask: tuple[str, ...] = (), by: str | None = None) -> Message:
    """A refusal; `ask` names who can do it (user ids become mentions, user groups are named, never
    mentioned, since a group mention would notify everyone in it)."""
    text = f":lock: {clip(reason, MESSAGE_MAX)}"
    if by:
        text += f" by {mention(by)}."
    if ask:
        who = ", ".join(
            mention(s) if s.startswith(("U", "W")) else f"user group {clip(s, 30)}" for s in ask[:5]
        )
        text += f" Ask {who}."
    return Message(text=fallback(text), blocks=[section(text)])


def render_confirmed(actor: str, command_text: str, *, name: str = "", label: str = "") -> Message:
    """What a confirmation message becomes once confirmed: who confirmed what, kept on record; the
    pipeline by its name when the button carried it, the exact command after."""
    command = f"`/hvr {clip(command_text, 300)}`"
    if name and label:
        text = f":white_check_mark: {mention(actor)} confirmed *{clip(label, 40)}* on *{clip(name, 200)}* ({command})"
    else:
        text = f":white_check_mark: {mention(actor)} confirmed {command}"
    return Message(text=fallback(text), blocks=[section(text)])
