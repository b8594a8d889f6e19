"""Every action_id the bot uses, and how button values are packed.

An action_id is `<base>:<n>`: Slack wants action_ids unique within a message, and a list shows the same
button on many rows. The router matches on the base (`base_of`), never on the suffix.
"""

from __future__ import annotations

import json
from typing import Any

SHOW = "hvr.show"  # value: connection id
SYNC = "hvr.sync"  # value: connection id
FORCE_SYNC = "hvr.force_sync"  # value: connection id (confirm)
PAUSE = "hvr.pause"  # value: connection id (confirm when healthy)
RESUME = "hvr.resume"  # value: connection id
TEST = "hvr.test"  # value: connection id
SCHEMAS = "hvr.schemas"  # value: connection id
TABLES = "hvr.tables"  # value: pack(c=id, s=schema, p=page)
RESYNC = "hvr.resync"  # value: connection id (confirm): historical re-sync of everything
RESYNC_TABLE = "hvr.resync_table"  # value: pack(c=id, s=schema, t=table) (confirm)
ENABLE_TABLE = "hvr.enable_table"  # value: pack(c=id, s=schema, t=table)
DISABLE_TABLE = "hvr.disable_table"  # value: pack(c=id, s=schema, t=table) (confirm)
RELOAD_SCHEMAS = "hvr.reload_schemas"  # value: connection id
COLUMNS = "hvr.columns"  # value: pack(c=id, s=schema, t=table, p=page)
ENABLE_COLUMN = "hvr.enable_column"  # value: pack(c=id, s=schema, t=table, k=column)
DISABLE_COLUMN = "hvr.disable_column"  # value: pack(c=id, s=schema, t=table, k=column) (confirm)
HASH_COLUMN = "hvr.hash_column"  # value: pack(c=id, s=schema, t=table, k=column) (confirm)
UNHASH_COLUMN = "hvr.unhash_column"  # value: pack(c=id, s=schema, t=table, k=column) (confirm)
LIST_PAGE = "hvr.list_page"  # value: pack(q=selector text, p=page)
ROW_MENU = "hvr.row_menu"  # overflow on a list row; option value: "<base action>|<connection id>"
GROUP = "hvr.group"  # value: group id
CONFIRM = "hvr.confirm"  # value: pack(cmd=<command text to run>)
CANCEL = "hvr.cancel"  # value: anything
BULK_CONFIRM = "hvr.bulk_confirm"  # value: bulk run id
BULK_CANCEL = "hvr.bulk_cancel"  # value: bulk run id
SCHEDULE = "hvr.schedule"  # value: connection id: shows the schedule and how to change it
RECONNECT = "hvr.reconnect"  # value: connection id: a Connect Card link for the presser only
APPROVE = "hvr.approve"  # value: id of the stored approval request
REJECT = "hvr.reject"  # value: id of the stored approval request
ACKNOWLEDGE = "hvr.acknowledge"  # value: connection id (the open alert in this channel)
SNOOZE = "hvr.snooze"  # select; option value: "<1h|4h|24h|recovery>|<connection id>"

# Modals: the callback_id of each form (its view_submission listener) and the block_ids of its inputs,
# which are also the keys of `response_action: errors`. Input elements dispatch nothing, so their
# action_ids stay outside the `hvr.` namespace the button listener matches.
DIGEST_FORM = "hvr.form.digest"
WATCH_FORM = "hvr.form.watch"
FIELD_SCHEDULE = "schedule"
FIELD_TZ = "tz"
FIELD_SELECTOR = "selector"
FIELD_ONLY = "only"
FIELD_EVENTS = "events"

ALL = (
    SHOW,
    SYNC,
    FORCE_SYNC,
    PAUSE,
    RESUME,
    TEST,
    SCHEMAS,
    TABLES,
    RESYNC,
    RESYNC_TABLE,
    ENABLE_TABLE,
    DISABLE_TABLE,
    RELOAD_SCHEMAS,
    COLUMNS,
    ENABLE_COLUMN,
    DISABLE_COLUMN,
    HASH_COLUMN,
    UNHASH_COLUMN,
    LIST_PAGE,
    ROW_MENU,
    GROUP,
    CONFIRM,
    CANCEL,
    BULK_CONFIRM,
    BULK_CANCEL,
    SCHEDULE,
    RECONNECT,
    APPROVE,
    REJECT,
    ACKNOWLEDGE,
    SNOOZE,
)


def aid(base: str, n: int | str = 0) -> str:
    return f"{base}:{n}"


def base_of(action_id: str) -> str:
    return action_id.split(":", 1)[0]


def pack(**fields: Any) -> str:
    """A compact JSON value for a button (Slack allows 2,000 characters)."""
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)


def unpack(value: str | None) -> dict[str, Any]:
    """The fields of a packed value; {} for anything that is not one (a forged or stale button)."""
    if not value:
        return {}
    try:
        fields = json.loads(value)
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}


def menu_value(base: str, connection_id: str) -> str:
    return f"{base}|{connection_id}"


def split_menu_value(value: str) -> tuple[str, str]:
    base, _, connection_id = value.partition("|")
    return base, connection_id
