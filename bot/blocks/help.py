"""The help text: one topic per verb the grammar parses, plus how to name connectors and select them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    usage: str
    does: str
    examples: tuple[str, ...]
    role: str = "anyone"


TOPICS: dict[str, Topic] = {
    "help": Topic("help [<command>]", "Usage, with examples.", ("help", "help sync")),
    "list": Topic(
        "list [<selector>] [<text>]",
        "Connectors with their health, problems first, paged. Text matches name, id, service and group.",
        ("list", "list status:broken", "list group:warehouse salesforce"),
        "viewer",
    ),
    "show": Topic(
        "show <connector>",
        "One connector in full (state, schedule, last syncs, tasks) with buttons to act on it.",
        ("show salesforce_prod", "show warehouse/salesforce_prod"),
        "viewer",
    ),
    "groups": Topic("groups", "Groups (destinations) and their connectors' health.", ("groups",), "viewer"),
    "group": Topic(
        "group <name|id>", "One group's connectors, problems first.", ("group warehouse",), "viewer"
    ),
    "schemas": Topic(
        "schemas <connector>",
        "The connector's schemas, how many tables each has enabled, and a button to reload the config.",
        ("schemas salesforce_prod",),
        "viewer",
    ),
    "tables": Topic(
        "tables <connector> [<schema>]",
        "Tables with enabled state and sync mode, with buttons to switch them and re-sync one.",
        ("tables salesforce_prod", "tables postgres_main public"),
        "viewer",
    ),
    "columns": Topic(
        "columns <connector> <schema>.<table>",
        "The table's columns as the source has them now (enabled, hashed, primary key), with buttons to "
        "enable, disable, hash and unhash one (operators; disabling and hashing ask first).",
        ("columns postgres_main public.customers",),
        "viewer (changes: operator)",
    ),
    "sync": Topic(
        "sync <connector> [--force] | sync <selector>",
        "Trigger a sync; the message follows it to the end. `--force` restarts a running sync. A sync "
        "Fivetran postpones for the source's quota on a manual-schedule connector is started again by the "
        "bot at the time Fivetran gives. With a selector (admins): preview, confirm, then sync every match.",
        ("sync salesforce_prod", "sync salesforce_prod --force", "sync status:failing"),
        "operator",
    ),
    "pause": Topic(
        "pause <connector> | pause <selector>",
        "Stop scheduled syncs until resumed. With a selector (admins): every match, after a preview.",
        ("pause salesforce_prod", "pause group:staging"),
        "operator",
    ),
    "resume": Topic(
        "resume <connector> | resume <selector>",
        "Let a paused connector sync on schedule again.",
        ("resume salesforce_prod", "resume status:paused group:staging"),
        "operator",
    ),
    "test": Topic(
        "test <connector> | test <selector>",
        "Run the setup tests and show each result (an HVR channel: each of its locations). With a selector "
        "(admins): preview, confirm, then test every match, paced under Fivetran's limit of 250 setup tests "
        "a minute, and a report of which passed and which failed, with why.",
        ("test salesforce_prod", "test status:broken", "test source:east"),
        "operator",
    ),
    "enable": Topic(
        "enable <connector> <schema>.<table>",
        "Start syncing a table.",
        ("enable postgres_main public.orders",),
        "operator",
    ),
    "disable": Topic(
        "disable <connector> <schema>.<table>",
        "Stop syncing a table.",
        ("disable postgres_main public.audit_log",),
        "operator",
    ),
    "resync": Topic(
        "resync <connector> [<schema>.<table> …]",
        "Re-sync the named tables (operators), or with no tables a historical re-sync of all data "
        "(admins). Both ask for confirmation: a re-sync re-reads data and can cost money.",
        ("resync postgres_main public.orders public.items", "resync salesforce_prod"),
        "operator; admin for everything",
    ),
    "compare": Topic(
        "compare <pipeline> [<table> …]",
        "HVR channels only: compare the source and target of the named tables (all with none). The "
        "message follows the hub's event until it ends and then shows the result per table.",
        ("compare east:orders", "compare east:orders customers lines"),
        "operator",
    ),
    "access": Topic(
        "access list | access grant <@user|@group> operator|admin | access revoke <@user|@group>",
        "Who may do what. Roles from HVR_ADMINS / HVR_OPERATORS plus the ones admins grant here.",
        ("access list", "access grant <@U0123ABCD> operator", "access revoke <@U0123ABCD>"),
        "viewer (grant and revoke: admin)",
    ),
    "schedule": Topic(
        "schedule <connector> [every <n>m|<n>h | daily [HH:MM] | manual | auto] [tz:<Area/City>]",
        "Show when a connector syncs, or change it. Fivetran syncs every 1m, 5m, 15m, 30m, 1h, 2h, 3h, 6h, "
        "8h, 12h or 24h; a daily time is kept in UTC, so one given in your `tz:` is converted (and said).",
        (
            "schedule salesforce_prod",
            "schedule salesforce_prod every 6h",
            "schedule salesforce_prod daily 02:00 tz:Europe/Berlin",
            "schedule salesforce_prod manual",
        ),
        "viewer to see, operator to change",
    ),
    "reconnect": Topic(
        "reconnect <connector>",
        "A Connect Card link, for you alone, to re-enter a broken connector's credentials or finish its "
        "setup; it expires soon. The Reconnect button on `/hvr show` does the same.",
        ("reconnect salesforce_prod",),
        "operator",
    ),
    "audit": Topic(
        "audit [<connector>|<@user>] [limit:<n>]",
        "Who changed what, when, and what came of it, newest first; refusals are on record too.",
        ("audit", "audit salesforce_prod", "audit <@U0123ABCD> limit:50"),
        "viewer",
    ),
    "digest": Topic(
        "digest add <schedule> [<selector>] [only:problems] [tz:<Area/City>] | digest list | "
        "digest remove <id> | digest now [<selector>]",
        "Scheduled status digests in this channel: counts by health, the problems, what changed since the "
        "last one. Schedules: hourly, every 15m (5m minimum), daily 09:00, weekdays 09:00, mon,thu 08:30, "
        'or a quoted cron "0 9 * * mon-fri"; times in tz: or HVR_TIMEZONE.',
        (
            "digest add weekdays 09:00 tz:Europe/Berlin",
            "digest add every 30m status:failing only:problems",
            "digest list",
            "digest now group:warehouse",
        ),
        "operator (list and now: viewer)",
    ),
    "watch": Topic(
        "watch [<selector>] [events:<list>] | watch list",
        "Real-time alerts in this channel. Events: failures, recoveries, delays, pauses, syncs "
        "(default failures,recoveries). A recovery is posted in the thread of its failure. A failure alert "
        "has Acknowledge (you take it; reminders stop) and Snooze (1h, 4h, 24h, until it recovers: its "
        "failure alerts are held here, then summarised in the thread). `watch list` shows the snoozes.",
        ("watch", "watch group:warehouse events:failures,delays", "watch list"),
        "operator (list: viewer)",
    ),
    "unwatch": Topic(
        "unwatch <id>", "Stop a watch (its id is in `watch list`).", ("unwatch 3fk2q9",), "operator"
    ),
    "unsnooze": Topic(
        "unsnooze <connector>",
        "Lift a snooze in this channel: the held alerts are summarised in the alert's thread, and failure "
        "alerts are posted here again.",
        ("unsnooze salesforce_prod",),
        "operator",
    ),
}
ALIASES = {"status": "show"}

CONNECTORS = (
    "*Naming a connector*: its id (`decidedly_conventional`), its name (`salesforce_prod`), or "
    "`group/name` when the same name is used in several groups; with several sources, after the source's "
    "name (`staging:salesforce_prod`, `prod:warehouse/salesforce_prod`) when the name is in more than one. "
    "Case does not matter; a near miss answers with suggestions."
)
SELECTORS = (
    "*Selectors* stand for every matching connector: `group:<name|id>`, `status:<health>`, "
    "`service:<type>`, `source:<name>` (with several accounts or hubs). Terms of one kind are alternatives, different kinds must all hold: "
    "`status:broken status:failing group:warehouse`. Healths: broken, incomplete, failing, paused, "
    "rescheduled, delayed, syncing, healthy."
)
EXTRA_TOPICS = {
    "connector": CONNECTORS,
    "connectors": CONNECTORS,
    "selector": SELECTORS,
    "selectors": SELECTORS,
}
