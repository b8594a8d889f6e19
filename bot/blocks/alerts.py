"""Real-time alerts and the answers to `watch`, `watch list` and `unwatch`.

An alert says what happened, to which connector, why (the task or failure message), since when, and offers
the buttons to act on it. Everything from Fivetran or a person is escaped: a connector named `<!channel>`
must not ping anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.blocks import ids
from bot.blocks.incidents import Incident, incident_elements, incident_line
from bot.blocks.kit import Block, actions, button, confirm, context, fallback, fields, section
from bot.blocks.message import Message
from bot.blocks.text import ago, clip, count, cut, duration, esc, mention, moment
from bot.fivetran.models import Connection
from bot.services.alerts.events import AlertEvent, AlertKind, WatchEvent
from bot.services.pipelines.hub_health import HVR_SERVICE
from bot.services.pipelines.selectors import SelectorError, load_selector
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.storage.alert_messages import AlertMessage
from bot.storage.snoozes import Snooze
from bot.storage.subscriptions import Subscription

REASON_MAX = 600
NAME_MAX = 150
NAME_IN_DIALOG = 80
SECTION_BUDGET = 2_800  # under the 3,000 of a section, with room for the line that says more were left out
MAX_LIST_SECTIONS = 40

_HEADLINE: dict[AlertKind, tuple[str, str]] = {
    AlertKind.BROKE: (":red_circle:", "broke"),
    AlertKind.SYNC_FAILED: (":x:", "failed to sync"),
    AlertKind.SYNC_SUCCEEDED: (":large_green_circle:", "synced successfully"),
    AlertKind.SYNC_STARTED: (":arrows_counterclockwise:", "started a sync"),
    AlertKind.RECOVERED: (":large_green_circle:", "recovered"),
    AlertKind.DELAYED: (":snail:", "is delayed: its data is later than the schedule promises"),
    AlertKind.PAUSED: (":double_vertical_bar:", "was paused"),
    AlertKind.RESUMED: (":arrow_forward:", "was resumed"),
}
_SOURCE = {"webhook": "Fivetran webhook", "poll": "polling"}


def _name(event: AlertEvent, connection: Connection | None) -> str:
    if connection is not None:
        return connection.name
    return event.connector_name or event.connection_id


def _group(event: AlertEvent, connection: Connection | None, snapshot: AccountSnapshot | None) -> str:
    if connection is not None and snapshot is not None:
        return snapshot.place(connection)
    if connection is not None:
        return connection.group_id
    return event.group_id or "unknown"


def _reason(event: AlertEvent, connection: Connection | None) -> str | None:
    if event.message:
        return event.message
    if event.kind.is_failure and connection is not None:
        return next((t.message for t in connection.status.tasks if t.message), None)
    return None


def _buttons(
    event: AlertEvent, connection: Connection | None, name: str, incident: Incident | None = None
) -> list[Block]:
    cid = event.connection_id
    if event.about_source:
        # a hub that cannot be reached has no Sync or Pause to offer; taking the incident still helps
        return actions(incident_elements(cid, incident) if event.kind.is_failure else [])
    show = button("Show", ids.aid(ids.SHOW), cid)
    paused = connection.paused if connection is not None else event.kind is AlertKind.PAUSED
    if paused:
        return actions([show, button("Resume", ids.aid(ids.RESUME), cid)])
    if not (event.kind.is_failure or event.kind is AlertKind.DELAYED):
        return actions([show])
    ask = confirm(
        "Pause connector?",
        f"No syncs of *{clip(name, NAME_IN_DIALOG)}* will run until someone resumes it.",
        yes="Pause",
    )
    return actions(
        [
            show,
            button("Sync", ids.aid(ids.SYNC), cid, style="primary"),
            button("Pause", ids.aid(ids.PAUSE), cid, ask=ask),
            *(incident_elements(cid, incident) if event.kind.is_failure else []),
        ]
    )


def _context(event: AlertEvent) -> Block:
    return context(f"`{clip(event.connection_id, 100)}` · via {_SOURCE[event.source]}")


def render_alert(
    event: AlertEvent,
    connection: Connection | None,
    snapshot: AccountSnapshot | None = None,
    *,
    now: datetime,
    since: datetime | None = None,
    incident: Incident | None = None,
) -> Message:
    """`since`: when the open alert this event repeats was first posted ("failing since"); `incident`: who
    took it and the snooze in force, said under the headline."""
    name = _name(event, connection)
    emoji, verb = _HEADLINE[event.kind]
    by = f" by {esc(event.actor)}" if event.actor else ""
    blocks: list[Block] = [section(f"{emoji} *{clip(name, NAME_MAX)}* {verb}{by}")]
    line = incident_line(incident)
    if line is not None:
        blocks.append(line)
    items = [
        f"*Group*\n{clip(_group(event, connection, snapshot), 200)}",
        f"*Service*\n{clip(connection.service if connection else event.service or 'unknown', 100)}",
        f"*When*\n{moment(event.at)} ({ago(event.at, now)})",
    ]
    if event.kind.is_failure:
        first = since or event.at
        items.append(f"*Failing since*\n{moment(first)} ({duration((now - first).total_seconds())})")
        if connection is not None:
            items.append(f"*Last success*\n{ago(connection.succeeded_at, now)}")
    blocks.append(fields(items))
    reason = _reason(event, connection)
    if reason:
        blocks.append(section(f"*Reason:* {clip(' '.join(reason.split()), REASON_MAX)}"))
    blocks += _buttons(event, connection, name, incident)
    blocks.append(_context(event))
    text = f"{esc(name)} {verb}{by}" + (f": {clip(reason, 200)}" if reason else "")
    return Message(text=fallback(text), blocks=blocks)


def render_flapping(
    event: AlertEvent,
    connection: Connection | None,
    snapshot: AccountSnapshot | None = None,
    *,
    failures: int,
    window: timedelta,
    now: datetime,
    incident: Incident | None = None,
) -> Message:
    name = _name(event, connection)
    span = duration(window.total_seconds())
    line = incident_line(incident)
    blocks: list[Block] = [
        section(
            f":warning: *{clip(name, NAME_MAX)}* is flapping: it failed {failures} times in the last {span}. "
            f"I'll keep further failure alerts for it out of this channel until it has had a quiet {span}."
        ),
        *([line] if line is not None else []),
        fields(
            [
                f"*Group*\n{clip(_group(event, connection, snapshot), 200)}",
                f"*Latest failure*\n{moment(event.at)} ({ago(event.at, now)})",
            ]
        ),
    ]
    reason = _reason(event, connection)
    if reason:
        blocks.append(section(f"*Reason:* {clip(' '.join(reason.split()), REASON_MAX)}"))
    blocks += _buttons(event, connection, name, incident)
    blocks.append(_context(event))
    return Message(text=fallback(f"{esc(name)} is flapping: {failures} failures in {span}"), blocks=blocks)


def _after(event: AlertEvent, alert: AlertMessage) -> str:
    return duration(max(0.0, (event.at - alert.opened_at).total_seconds()))


def _how(event: AlertEvent) -> str:
    if event.about_source:
        return "the hub answers again"
    if event.kind is AlertKind.SYNC_SUCCEEDED:
        return "a sync succeeded"
    return (
        "the hub reports its jobs running"
        if event.service == HVR_SERVICE
        else "Fivetran reports it connected"
    )


def _taken(alert: AlertMessage) -> str:
    return f", acknowledged by {mention(alert.acked_by)}" if alert.acked_by else ""


def render_recovered_update(
    event: AlertEvent,
    alert: AlertMessage,
    connection: Connection | None,
    snapshot: AccountSnapshot | None = None,
    *,
    now: datetime,
) -> Message:
    """What the failure alert becomes once the connector recovers: the history, no longer a call to act."""
    name = _name(event, connection)
    after = _after(event, alert)
    blocks: list[Block] = [
        section(f":large_green_circle: *{clip(name, NAME_MAX)}* · Recovered after {after}{_taken(alert)}"),
        context(
            f"Failing since {moment(alert.opened_at)} · recovered {moment(event.at)} ({_how(event)})"
            f" · group {clip(_group(event, connection, snapshot), 200)} · `{clip(event.connection_id, 100)}`"
        ),
    ]
    if not event.about_source:
        blocks += actions([button("Show", ids.aid(ids.SHOW), event.connection_id)])
    return Message(text=fallback(f"{esc(name)}: recovered after {after}"), blocks=blocks)


def render_recovery_reply(
    event: AlertEvent,
    alert: AlertMessage,
    connection: Connection | None = None,
    *,
    now: datetime,
    held: Snooze | None = None,
) -> Message:
    """The thread's last word on the outage, naming the pipeline (a thread is read out of its channel);
    `held`: the "until it recovers" snooze the recovery ended, whose held alerts it tells."""
    name = _name(event, connection)
    after = _after(event, alert)
    text = (
        f":large_green_circle: *{clip(name, NAME_MAX)}* recovered {moment(event.at)}, after {after} "
        f"({_how(event)}){_taken(alert)}."
    )
    if held is not None:
        text += f" The snooze ended with it: {count(held.held, 'failure alert')} held while snoozed."
    return Message(text=fallback(f"{esc(name)} recovered after {after}"), blocks=[section(text)])


# --- watch answers ---------------------------------------------------------------------------------


def watch_events(subscription: Subscription) -> list[WatchEvent]:
    names = subscription.options.get("events") or []
    return [e for e in WatchEvent if e.value in names]


def _selector_words(subscription: Subscription) -> str:
    try:
        return esc(load_selector(subscription.selector).describe())
    except SelectorError:
        return esc(subscription.selector)


def render_watch_added(subscription: Subscription) -> Message:
    sid = clip(subscription.id, 40)
    events = ", ".join(e.value for e in watch_events(subscription))
    what = _selector_words(subscription)
    text = (
        f":eyes: Watching *{what}* in this channel for {events}. "
        f"Watch `{sid}`: `/hvr unwatch {sid}` stops it, `/hvr watch list` shows every watch here."
    )
    return Message(text=fallback(f"Watching {what} for {events} (watch {sid})"), blocks=[section(text)])


def _watch_line(subscription: Subscription) -> str:
    events = ", ".join(e.value for e in watch_events(subscription))
    return (
        f"• `{clip(subscription.id, 40)}` *{_selector_words(subscription)}*: {events} · by "
        f"{mention(subscription.created_by)} · since {subscription.created_at.date().isoformat()}"
    )


def render_watch_list(subscriptions: Sequence[Subscription], snoozes: Sequence[str] = ()) -> Message:
    """`snoozes`: one line per snooze in force here (`blocks.incidents.snooze_lines`)."""
    snoozed: list[Block] = []
    if snoozes:
        shown = "\n".join(snoozes[:MAX_LIST_SECTIONS])
        snoozed = [section(cut(f"*Snoozed here ({len(snoozes)})*\n{shown}", SECTION_BUDGET))]
    if not subscriptions:
        text = "No watches in this channel. Start one with `/hvr watch [&lt;selector&gt;] [events:&lt;list&gt;]`."
        return Message(text=fallback(text), blocks=[section(text), *snoozed])
    blocks: list[Block] = [section(f"*Watches in this channel ({len(subscriptions)})*")]
    chunk: list[str] = []
    size = 0
    shown_watches = 0
    for subscription in subscriptions:
        line = _watch_line(subscription)
        if size + len(line) + 1 > SECTION_BUDGET:
            if len(blocks) >= MAX_LIST_SECTIONS:
                break
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
        shown_watches += 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    blocks += snoozed
    hidden = len(subscriptions) - shown_watches
    footer = f"and {hidden} more · " if hidden else ""
    blocks.append(context(f"{footer}`/hvr unwatch &lt;id&gt;` stops one"))
    return Message(text=fallback(f"{len(subscriptions)} watches in this channel"), blocks=blocks)


def render_unwatched(subscription_id: str, *, found: bool = True) -> Message:
    sid = clip(subscription_id, 40)
    if found:
        text = f"Stopped watch `{sid}`: no more alerts from it here."
    else:
        text = f"There is no watch `{sid}` in this channel. `/hvr watch list` shows the ones there are."
    return Message(text=fallback(text), blocks=[section(text)])
