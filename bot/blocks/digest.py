"""Digests and the answers of the `digest` commands, as Block Kit.

A digest of 5,000 connectors with 500 problems still fits one message: the problems shown are capped, and
the rest are summed up by health with the `/hvr list` command that shows them. Times are shown in the
subscription's zone, because that is the zone its schedule speaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo

from bot.blocks import ids
from bot.blocks.health import EMOJI, LABEL, channel_state, counts_line
from bot.blocks.kit import Block, button, context, fallback, header, section
from bot.blocks.message import Message
from bot.blocks.sources import kinds
from bot.blocks.text import ago, clip, count, cut, duration, esc, mention, moment, until
from bot.services.digests.content import (
    Change,
    DigestContent,
    Problem,
    only_problems,
    subscription_schedule,
)
from bot.services.pipelines.health import Health
from bot.services.pipelines.hub_health import is_hub_channel
from bot.services.pipelines.kinds import FIVETRAN_ONLY, SourceKinds
from bot.services.pipelines.selectors import Selector, SelectorError, load_selector
from bot.storage.subscriptions import Subscription

MAX_PROBLEM_ROWS = 20
MAX_LISTED = 40  # digests shown by `digest list`; a channel may have at most 25
NAMES_IN_CHANGES = 8
NAME_MAX = 150
DETAIL_MAX = 300
ERROR_MAX = 500


def local(at: datetime, tz: tzinfo) -> str:
    """A date token each reader sees in their own zone; clients without tokens show the time as people
    in the subscription's zone read it (`Mon 02 Mar 09:00 CET`)."""
    return moment(at, at.astimezone(tz).strftime("%a %d %b %H:%M %Z"))


def _selector_words(selector: Selector) -> str:
    return "all connectors" if selector.is_empty else f"`{clip(selector.as_text(), 300)}`"


def _stored_selector_words(sub: Subscription) -> str:
    try:
        return _selector_words(load_selector(sub.selector))
    except SelectorError:
        # A selector this version cannot read (the digest is not fired): shown as stored.
        return f"`{clip(sub.selector, 300)}`"


# The digest ---------------------------------------------------------------------------------------------


def detail(problem: Problem, *, now: datetime, tz: tzinfo) -> str:
    """One escaped line saying what is wrong and since when."""
    c, health = problem.connection, problem.health
    if is_hub_channel(c):
        return channel_state(health, DETAIL_MAX)  # the words the list says, not Fivetran's setup or syncs
    if health is Health.BROKEN:
        task = next((t.message for t in c.status.tasks if t.message), "")
        return f"Broken: {clip(task, DETAIL_MAX)}" if task else "Broken: fix the setup in Fivetran"
    if health is Health.INCOMPLETE:
        return "Setup incomplete: finish it in Fivetran, then run setup tests"
    if health is Health.FAILING:
        since = (
            f"failing since the last success {ago(c.succeeded_at, now)}"
            if c.succeeded_at
            else "has never synced successfully"
        )
        return f"{since.capitalize()} · last failure {ago(c.failed_at, now)}"
    if health is Health.PAUSED:
        last = c.last_sync_end
        return (
            f"Paused · no sync for {duration((now - last).total_seconds())}"
            if last
            else "Paused · never synced"
        )
    if health is Health.RESCHEDULED:
        at = c.status.rescheduled_for
        if at is None:
            return "Rescheduled: waits for the source's API quota"
        return f"Rescheduled until {local(at, tz)} ({until(at, now)})"
    if health is Health.DELAYED:
        return f"Delayed: data is late · last success {ago(c.succeeded_at, now)}"
    return LABEL[health]


def _problem_row(problem: Problem, index: int, *, now: datetime, tz: tzinfo) -> Block:
    c = problem.connection
    new = " :new:" if problem.new else ""
    text = (
        f"{EMOJI[problem.health]} *{clip(c.name, NAME_MAX)}* · {clip(c.service, 60)} · "
        f"{clip(problem.group_name, 100)}{new}\n{cut(detail(problem, now=now, tz=tz), DETAIL_MAX + 40)}"
    )
    return section(text, accessory=button("Open", ids.aid(ids.SHOW, index), c.id))


def _counts(content: DigestContent) -> str:
    parts = [f"*{content.total:,} connector{'' if content.total == 1 else 's'}*"]
    parts += [f"{EMOJI[h]} {content.counts[h]:,} {h.value}" for h in Health if content.counts.get(h)]
    return " · ".join(parts)


def _names(changes: Sequence[Change], *, arrow: bool = False) -> str:
    shown = []
    for change in changes[:NAMES_IN_CHANGES]:
        name = f"*{clip(change.name, NAME_MAX)}*"
        if arrow and change.before and change.after:
            name += f" ({change.before.value} → {change.after.value})"
        elif change.before:
            name += f" (was {change.before.value})"
        shown.append(name)
    more = len(changes) - NAMES_IN_CHANGES
    return ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")


def _changes(content: DigestContent) -> str | None:
    if not content.has_previous:
        return None
    lines = []
    new = content.new_problems
    if new:
        names = ", ".join(
            f"*{clip(p.connection.name, NAME_MAX)}* ({p.health.value})" for p in new[:NAMES_IN_CHANGES]
        )
        more = len(new) - NAMES_IN_CHANGES
        names += f" and {more:,} more" if more > 0 else ""
        lines.append(f":new: {count(len(new), 'new problem')}: {names}")
    if content.recovered:
        lines.append(f":white_check_mark: {len(content.recovered):,} recovered: {_names(content.recovered)}")
    if content.changed:
        lines.append(f":arrow_right: {len(content.changed):,} changed: {_names(content.changed, arrow=True)}")
    if content.gone:
        lines.append(f":wastebasket: {len(content.gone):,} no longer in the account: {_names(content.gone)}")
    if not lines:
        return "_No change since the previous digest._"
    return "*Since the previous digest*\n" + "\n".join(lines)


def _more(content: DigestContent, hidden: Sequence[Problem]) -> str:
    by_health: dict[Health, int] = {}
    for problem in hidden:
        by_health[problem.health] = by_health.get(problem.health, 0) + 1
    commands = [
        f"`/hvr list {clip(replace(content.selector, statuses=(h,)).as_text(), 200)}` ({n:,})"
        for h, n in sorted(by_health.items(), key=lambda item: item[0].rank)
    ]
    return f"…and {len(hidden):,} more: " + " · ".join(commands)


def _footer(content: DigestContent, *, now: datetime, tz: tzinfo) -> str:
    return (
        f"As of {local(content.fetched_at, tz)} ({ago(content.fetched_at, now)}) · "
        "`/hvr digest list` manages this channel's digests"
    )


def _summary_text(content: DigestContent) -> str:
    parts = [count(content.total, "connector")]
    parts += [f"{content.counts[h]:,} {h.value}" for h in Health if h.is_problem and content.counts.get(h)]
    if content.has_previous and content.new_problems:
        parts.append(count(len(content.new_problems), "new problem"))
    if content.recovered:
        parts.append(f"{len(content.recovered):,} recovered")
    return " · ".join(parts)


def _sources(content: DigestContent) -> list[Block]:
    """Each source's counts, and the sources that could not be reached: nothing with one source."""
    lines = [
        f"*{esc(name)}* · {counts_line(dict(counts), total)}" for name, total, counts in content.per_source
    ]
    lines += [
        f":warning: Could not reach *{esc(name)}*: {clip(reason, 200)} Its connectors are not in this digest."
        for name, reason in content.unreachable.items()
    ]
    return [context("\n".join(lines))] if lines else []


def _title(content: DigestContent, configured: SourceKinds) -> str:
    return f"{kinds(content.hub_channels, content.total, configured)} digest"


def render_digest(
    content: DigestContent, *, now: datetime, tz: tzinfo, configured: SourceKinds = FIVETRAN_ONLY
) -> Message:
    scope = "" if content.selector.is_empty else f" · {content.selector.describe()}"
    if content.total == 0:
        text = (
            f"{_title(content, configured)}: no connectors match {_selector_words(content.selector)}. "
            "`/hvr groups` lists the groups; `/hvr digest list` shows this digest's selector."
        )
        return Message(fallback(text), [section(text), context(_footer(content, now=now, tz=tz))])
    changes = _changes(content)
    if content.all_healthy:
        syncing = content.counts.get(Health.SYNCING, 0)
        busy = f" ({syncing:,} syncing)" if syncing else ""
        what = "" if content.selector.is_empty else f" in {_selector_words(content.selector)}"
        subject = "The one connector" if content.total == 1 else f"All {content.total:,} connectors"
        if content.unreachable:
            subject += " that could be reached"
        verb = "is" if content.total == 1 else "are"
        text = f":large_green_circle: *{subject}{what} {verb} healthy*{busy}."
        if content.recovered:
            text += f"\n:white_check_mark: Recovered since the previous digest: {_names(content.recovered)}"
        compact = [section(text), *_sources(content), context(_footer(content, now=now, tz=tz))]
        return Message(
            fallback(
                f"{_title(content, configured)}: {'the one connector' if content.total == 1 else f'all {content.total:,} connectors'} healthy{clip(scope, 300)}"
            ),
            compact,
        )
    blocks: list[Block] = [
        header(_title(content, configured) + scope),
        section(_counts(content)),
        *_sources(content),
    ]
    if changes:
        blocks.append(section(changes))
    shown = content.problems[:MAX_PROBLEM_ROWS]
    blocks += [_problem_row(p, i, now=now, tz=tz) for i, p in enumerate(shown)]
    hidden = content.problems[MAX_PROBLEM_ROWS:]
    if hidden:
        blocks.append(section(_more(content, hidden)))
    blocks.append(context(_footer(content, now=now, tz=tz)))
    return Message(
        fallback(f"{_title(content, configured)}{clip(scope, 300)}: {clip(_summary_text(content), 2000)}"),
        blocks,
    )


def render_digest_unavailable(
    error_text: str,
    *,
    now: datetime,
    tz: tzinfo | None = None,
    configured: SourceKinds = FIVETRAN_ONLY,
) -> Message:
    """No source could be read: say so, naming the sources `configured` (a hub-only bot's hub, not
    Fivetran), instead of showing stale or empty health as if it were true."""
    at = local(now, tz) if tz is not None else moment(now, now.strftime("%Y-%m-%d %H:%M %Z"))
    failed = f"{configured.title} digest: the data could not be fetched from {configured.speakers}"
    text = (
        f":warning: *{failed}* at {at}, so this digest shows "
        f"no health rather than wrong health.\nError: {clip(error_text, ERROR_MAX)}\n"
        "The next digest tries again; `/hvr digest now` tries right away."
    )
    return Message(fallback(f"{failed} at {at}"), [section(text)])


# Answers to the commands ----------------------------------------------------------------------------------


def _zone(sub: Subscription) -> tzinfo:
    schedule = subscription_schedule(sub)
    return schedule.tz if schedule else UTC


def _describe(sub: Subscription) -> str:
    schedule = subscription_schedule(sub)
    what = schedule.describe() if schedule else f"{sub.schedule} {sub.timezone}"
    parts = [clip(what, 300), _stored_selector_words(sub)]
    if only_problems(sub):
        parts.append("only when there are problems")
    return " · ".join(parts)


def render_digest_added(sub: Subscription, next_fires: Sequence[datetime], *, now: datetime) -> Message:
    tz = _zone(sub)
    upcoming = ", ".join(f"{local(t, tz)} ({until(t, now)})" for t in next_fires) or "none"
    text = (
        f":calendar: *Digest `{clip(sub.id, 20)}` added* to this channel: {_describe(sub)}.\n"
        f"Next: {upcoming}\n"
        f"Stop it with `/hvr digest remove {clip(sub.id, 20)}`; `/hvr digest now` shows one right away."
    )
    return Message(fallback(f"Digest {clip(sub.id, 20)} added: {_describe(sub)}"), [section(text)])


def render_digest_list(items: Sequence[tuple[Subscription, datetime | None]], *, now: datetime) -> Message:
    if not items:
        text = (
            "This channel has no digests. Add one with `/hvr digest add weekdays 09:00` "
            "(or `/hvr help digest` for schedules, selectors and options)."
        )
        return Message(fallback(text), [section(text)])
    blocks: list[Block] = [header(f"Digests in this channel ({len(items)})")]
    for sub, next_fire in items[:MAX_LISTED]:
        when = f"{local(next_fire, _zone(sub))} ({until(next_fire, now)})" if next_fire else "never"
        text = (
            f"`{clip(sub.id, 20)}` · {_describe(sub)}\n"
            f"Next: {when} · added by {mention(sub.created_by)} · `/hvr digest remove {clip(sub.id, 20)}`"
        )
        blocks.append(section(text))
    if len(items) > MAX_LISTED:
        blocks.append(context(f"…and {len(items) - MAX_LISTED:,} more."))
    blocks.append(
        context("Remove one with `/hvr digest remove &lt;id&gt;`; `/hvr digest now` shows one right away.")
    )
    return Message(fallback(f"{len(items)} digest{'s' if len(items) != 1 else ''} in this channel"), blocks)


def render_digest_removed(subscription_id: str, *, removed: bool = True) -> Message:
    sid = clip(subscription_id, 20)
    if removed:
        text = f"Digest `{sid}` removed: it will not post again."
    else:
        text = f"This channel has no digest `{sid}`. `/hvr digest list` shows the ones it has."
    return Message(fallback(text), [section(text)])
