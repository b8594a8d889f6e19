"""Pydantic models of what the HVR 6 Hub Server answers (definition v6.1.0.3), accepting unknown
fields and nulls: a newer hub adds fields, and the bot must not break on them.

The API answers maps keyed by name (`{chn: {...}}`, `{job: {...}}`, `{ev_id: {...}}`); the client puts
the key into `name` / `ev_id` before validating.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.fivetran.models import ExternalText
from bot.logs import redact


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def _none_to(default: Any) -> Any:
    def convert(value: Any) -> Any:
        return default if value is None else value

    return convert


class HubStatus(_Model):
    hub_state: str = ""  # LIVE, FROZEN, RESTARTING
    license: str = ""  # NONE, VALID, EXPIRED, HOST_MISMATCH, EXCEEDED, INVALID
    jobs_over_latency_sla: list[str] = Field(default_factory=list)
    freeze_time: str | None = None
    log_hvr_err_tstamp: str | None = None
    licensing_expiry_warning: str | None = None

    _lists = field_validator("jobs_over_latency_sla", mode="before")(_none_to([]))
    _strs = field_validator("hub_state", "license", mode="before")(_none_to(""))

    @property
    def live(self) -> bool:
        return self.hub_state == "LIVE"


class Location(_Model):
    name: str
    props: dict[str, Any] = Field(default_factory=dict)
    actions: list[dict[str, Any]] = Field(default_factory=list)

    _maps = field_validator("props", mode="before")(_none_to({}))
    _lists = field_validator("actions", mode="before")(_none_to([]))

    @property
    def loc_class(self) -> str:
        """The location's class (`oracle`, `postgresql`, `snowflake`…), "" when the hub did not say."""
        return str(self.props.get("Class") or "")

    @property
    def remote(self) -> str:
        """`host:port` of the agent the hub reaches the location through, "" when local."""
        host = self.props.get("Agent_Host") or self.props.get("Remote_Node") or ""
        port = self.props.get("Agent_Port") or self.props.get("Remote_Port") or ""
        return f"{host}:{port}" if host and port else str(host)


class ChannelTable(_Model):
    name: str
    base_name: str | None = None
    table_group: str | None = None
    cols: dict[str, Any] = Field(default_factory=dict)

    _maps = field_validator("cols", mode="before")(_none_to({}))


class LocGroup(_Model):
    name: str
    members: list[str] = Field(default_factory=list)

    _lists = field_validator("members", mode="before")(_none_to([]))


_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_seconds(value: Any) -> int | None:
    """A latency SLA as the hub writes it: seconds (`600`, "600"), a unit (`10m`, `1h`) or `hh:mm:ss`."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    if ":" in text:
        parts = text.strip().split(":")
        if all(part.isdigit() for part in parts) and len(parts) <= 3:
            seconds = 0
            for part in parts:
                seconds = seconds * 60 + int(part)
            return seconds
        return None
    match = _DURATION.match(text)
    return int(match.group(1)) * _UNIT[match.group(2).lower()] if match else None


class Channel(_Model):
    name: str
    description: str | None = None
    tables: list[ChannelTable] = Field(default_factory=list)
    loc_groups: list[LocGroup] = Field(default_factory=list)
    actions: list[dict[str, Any]] = Field(default_factory=list)

    _lists = field_validator("actions", "tables", "loc_groups", mode="before")(_none_to([]))

    def _scoped(self, action_type: str) -> list[str]:
        """Locations an action applies to: its `loc_scope` is a group, a location or `*`."""
        groups = {group.name: group.members for group in self.loc_groups}
        every = [member for group in self.loc_groups for member in group.members]
        found: list[str] = []
        for action in self.actions:
            if str(action.get("type", "")).lower() != action_type:
                continue
            scope = str(action.get("loc_scope") or "*")
            names = every if scope == "*" else groups.get(scope, [scope])
            found += [name for name in names if name not in found]
        return found

    @property
    def source_locs(self) -> list[str]:
        """Locations captured from (the Capture action's scope; else the group named SOURCE)."""
        return self._scoped("capture") or next(
            (g.members for g in self.loc_groups if g.name.upper() == "SOURCE"), []
        )

    @property
    def target_locs(self) -> list[str]:
        return self._scoped("integrate") or next(
            (g.members for g in self.loc_groups if g.name.upper() == "TARGET"), []
        )

    @property
    def locations(self) -> list[str]:
        return list(dict.fromkeys(member for group in self.loc_groups for member in group.members))

    @property
    def latency_sla_seconds(self) -> int | None:
        """From the channel's `Scheduling` action parameter `LatencySLA`, None when it has none."""
        for action in self.actions:
            if str(action.get("type", "")).lower() == "scheduling":
                params = action.get("params") or {}
                if isinstance(params, dict) and "LatencySLA" in params:
                    return parse_seconds(params["LatencySLA"])
        return None


class JobKind(StrEnum):
    CAPTURE = "capture"
    INTEGRATE = "integrate"
    REFRESH = "refresh"
    COMPARE = "compare"
    ACTIVATE = "activate"
    OTHER = "other"


_KINDS = {"cap": JobKind.CAPTURE, "integ": JobKind.INTEGRATE, "refr": JobKind.REFRESH, "cmp": JobKind.COMPARE}
FAILED_STATES = frozenset({"FAILED", "ERROR", "ALERTING", "RETRY"})
SUSPENDED_STATES = frozenset({"SUSPEND", "SUSPENDED"})


def parse_job_name(name: str) -> tuple[str, JobKind, str]:
    """(channel, kind, location part) from `<chn>-cap-<loc>`, `<chn>-integ-<loc>`, `<chn>-refr-<src>-<tgt>`,
    `<chn>-cmp-…`, `<chn>-activate`. Channel and location names cannot hold `-` (they are identifiers)."""
    parts = name.split("-")
    if len(parts) >= 3 and parts[1] in _KINDS:
        return parts[0], _KINDS[parts[1]], "-".join(parts[2:])
    if len(parts) == 2 and parts[1] == "activate":
        return parts[0], JobKind.ACTIVATE, ""
    return parts[0] if len(parts) > 1 else "", JobKind.OTHER, ""


class Job(_Model):
    name: str
    state: str = ""
    num_retries: int = 0
    latency: int | None = None  # seconds, with `fetch=latency`
    log_job_err_tstamp: str | None = None
    last_error: str | None = None  # filled by the caller from the job's log when it wants it

    _ints = field_validator("num_retries", mode="before")(_none_to(0))
    _strs = field_validator("state", mode="before")(_none_to(""))

    @property
    def channel(self) -> str:
        return parse_job_name(self.name)[0]

    @property
    def kind(self) -> JobKind:
        return parse_job_name(self.name)[1]

    @property
    def loc(self) -> str:
        return parse_job_name(self.name)[2]

    @property
    def latency_seconds(self) -> int | None:
        return self.latency

    @property
    def failing(self) -> bool:
        return self.state.upper() in FAILED_STATES

    @property
    def suspended(self) -> bool:
        return self.state.upper() in SUSPENDED_STATES


EVENT_END_STATES = frozenset({"DONE", "FAILED", "CANCELED"})


class EventResult(_Model):
    table: str | None = None
    result: str = ""
    value: str | None = None


class Event(_Model):
    ev_id: str
    type: str = ""
    state: str = ""  # ACTIVE, DONE, CANCELED, FAILED
    user: str | None = None
    description: str | None = None
    channel: str | None = None
    loc: str | None = None
    job: str | None = None
    start_tstamp: str | None = None
    finish_tstamp: str | None = None
    response: ExternalText | None = None  # why it failed, in the words of whatever the hub relays
    body: str | None = None  # the event's body as the hub writes it (a JSON text)
    results: list[EventResult] = Field(default_factory=list)

    _lists = field_validator("results", mode="before")(_none_to([]))
    _strs = field_validator("type", "state", mode="before")(_none_to(""))

    @property
    def ended(self) -> bool:
        return self.state.upper() in EVENT_END_STATES

    def table_results(self) -> dict[str, dict[str, str | None]]:
        """{table: {result: value}} — a compare's per-table outcome once the event ends."""
        out: dict[str, dict[str, str | None]] = {}
        for item in self.results:
            out.setdefault(item.table or "", {})[item.result] = item.value
        return out


class StartResult(_Model):
    """One job's answer to `jobs_start`: a `trigger_ctrl_id`, or why it did not start."""

    job: str
    trigger_ctrl_id: str | None = None
    not_started: str | None = None


class PostedEvent(_Model):
    posted_ev_id: str
    job: str = ""
    canceled_ev_ids: list[str] = Field(default_factory=list)

    _lists = field_validator("canceled_ev_ids", mode="before")(_none_to([]))


_ERROR_LINE = re.compile(r"\bF_[A-Z]{2}[0-9A-Z]{3,4}[A-Z]\b")
_STAMP = re.compile(r"^\s*\d{4}-\d\d-\d\d[T ][\d:.]+Z?:?\s*(hvr:\s*)?")


def last_error_line(log: str) -> str | None:
    """The last error of a job's log tail: its last line with an `F_…E` code, without the line's time
    stamp; None when the tail holds no error."""
    for line in reversed(log.splitlines()):
        if _ERROR_LINE.search(line):
            return redact(_STAMP.sub("", line).strip()) or None  # a database's words, relayed
    return None
