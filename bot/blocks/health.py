"""How each health looks (emoji, label) and what a person should do about it next."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.text import clip, cut, moment, until
from bot.fivetran.models import Connection
from bot.services.pipelines.health import Health

EMOJI: dict[Health, str] = {
    Health.BROKEN: ":red_circle:",
    Health.INCOMPLETE: ":construction:",
    Health.FAILING: ":x:",
    Health.PAUSED: ":double_vertical_bar:",
    Health.RESCHEDULED: ":hourglass:",
    Health.DELAYED: ":snail:",
    Health.SYNCING: ":arrows_counterclockwise:",
    Health.HEALTHY: ":large_green_circle:",
}

LABEL: dict[Health, str] = {
    Health.BROKEN: "Broken",
    Health.INCOMPLETE: "Setup incomplete",
    Health.FAILING: "Failing",
    Health.PAUSED: "Paused",
    Health.RESCHEDULED: "Rescheduled",
    Health.DELAYED: "Delayed",
    Health.SYNCING: "Syncing",
    Health.HEALTHY: "Healthy",
}

# A task message can be a page long; the next step is one line of a list row.
TASK_HINT_MAX = 120


def badge(health: Health) -> str:
    return f"{EMOJI[health]} {LABEL[health]}"


def counts_line(counts: dict[Health, int], total: int, noun: str = "connector") -> str:
    """ "42 connectors · 2 broken · 39 healthy": only the healths that occur, in health order."""
    parts = [f"{total:,} {noun}{'' if total == 1 else 's'}"]
    parts += [f"{counts[h]:,} {h.value}" for h in Health if counts.get(h)]
    return " · ".join(parts)


# What to do about an HVR channel, in the hub's terms: its jobs, not Fivetran's setup or syncs.
HUB_STEP: dict[Health, str] = {
    Health.BROKEN: "Check the hub",
    Health.INCOMPLETE: "Activate the channel in the hub: it has no capture or integrate job yet",
    Health.FAILING: "Fix the job's error (`/hvr show`), then Sync: it starts the jobs again, retrying the failed one",
    Health.PAUSED: "Resume when ready: it unsuspends the jobs and starts them",
    Health.RESCHEDULED: "Nothing to do",
    Health.DELAYED: "Its latency is over its SLA: check the integrate job and the target",
    Health.SYNCING: "A refresh is running; it ends on its own",
    Health.HEALTHY: "Nothing to do",
}


def channel_state(health: Health, limit: int = 200) -> str:
    """An HVR channel's health and what to do, as every view says it (its jobs run continuously: there is
    no last sync or success to tell, and the next step is the hub's)."""
    return f"{LABEL[health]} · {cut(HUB_STEP[health], limit)}"


def next_step(connection: Connection, health: Health, *, now: datetime) -> str:
    """One line of mrkdwn (escaped) saying what to do about this connector."""
    status = connection.status
    if health is Health.BROKEN:
        task = next((t.message for t in status.tasks if t.message), "")
        hint = f": {clip(task, TASK_HINT_MAX)}" if task else ""
        return f"Fix the task in Fivetran{hint}"
    if health is Health.INCOMPLETE:
        return "Finish the setup in Fivetran, then run setup tests"
    if health is Health.FAILING:
        return "Check the failure and sync"
    if health is Health.PAUSED:
        return "Resume when ready"
    if health is Health.RESCHEDULED:
        if status.rescheduled_for is None:
            return "Waits for the source's API quota; Fivetran retries by itself"
        at = status.rescheduled_for
        return f"Waits for the source's API quota until {moment(at)} ({until(at, now)})"
    if health is Health.DELAYED:
        return "Data is late: check the source, or sync now"
    if health is Health.SYNCING:
        return "Nothing to do: a sync is running"
    return "Nothing to do"
