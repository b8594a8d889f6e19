"""Pydantic models of what Fivetran answers.

Every model keeps unknown fields (`extra="allow"`): Fivetran adds fields and codes without notice, and a
bot that refuses an answer because of a new field is worse than one that ignores it. Fields that Fivetran
sends as null (never synced, never failed, no daily time) are optional.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Self, TypeAlias

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.dataclasses import dataclass

from bot.logs import redact

# Text Fivetran relays from elsewhere (a source's error, a setup test's finding): redacted as it is parsed.
ExternalText = Annotated[str, AfterValidator(redact)]


class FivetranModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)


class Group(FivetranModel):
    id: str
    name: str
    created_at: datetime | None = None


class Notice(FivetranModel):
    """A task (needs a person) or a warning (informational) on a connection. Codes are an open set."""

    code: str = ""
    message: ExternalText = ""
    details: Any = None


class ConnectionStatus(FivetranModel):
    setup_state: str = "connected"  # incomplete | connected | broken
    sync_state: str = "scheduled"  # scheduled | syncing | paused | rescheduled
    update_state: str = "on_schedule"  # on_schedule | delayed
    is_historical_sync: bool = False
    rescheduled_for: datetime | None = None
    tasks: list[Notice] = Field(default_factory=list)
    warnings: list[Notice] = Field(default_factory=list)


class SetupTest(FivetranModel):
    title: str
    # PASSED | SKIPPED | WARNING | FAILED | JOB_FAILED, kept open: a new status must not break the bot
    status: str
    message: ExternalText | None = None
    details: Any = None


class ConnectionDetails(FivetranModel):
    """A connection as Fivetran answers it alone (`GET /v1/connections/{id}`, and the answers of changes to
    it): every field kept, unknown ones too. What a list page gives is a `ListedConnection`; a reader
    takes either (`Connection`)."""

    id: str
    group_id: str
    service: str
    # `schema` is the connection's name as people know it; `schema` would shadow BaseModel.schema.
    name: str = Field(alias="schema")
    paused: bool = False
    schedule_type: str | None = None  # auto | manual
    sync_frequency: int | None = None  # minutes
    daily_sync_time: str | None = None
    succeeded_at: datetime | None = None
    failed_at: datetime | None = None
    created_at: datetime | None = None
    connected_by: str | None = None
    data_delay_threshold: int | None = None
    status: ConnectionStatus = Field(default_factory=ConnectionStatus)
    setup_tests: list[SetupTest] | None = None

    @property
    def last_sync_end(self) -> datetime | None:
        """When the most recent sync ended, successfully or not: what a followed sync waits to move."""
        return _last_end(self.succeeded_at, self.failed_at)


def _last_end(succeeded_at: datetime | None, failed_at: datetime | None) -> datetime | None:
    ends = [t for t in (succeeded_at, failed_at) if t is not None]
    return max(ends) if ends else None


# One set per distinct combination of fields a list page gave, shared by every model that has it. Pydantic
# keeps a set of the fields given with each model (728 bytes for a connection's 15); 10,000 connections and
# their statuses held 15 MB of identical sets. Bounded: there are only so many combinations of fields.
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


def _share_fields(model: BaseModel) -> None:
    given = model.__pydantic_fields_set__
    shared = _FIELDS_SETS.setdefault(frozenset(given), given)
    object.__setattr__(model, "__pydantic_fields_set__", shared)


class _Compact(BaseModel):
    """A model of a list page's item, built by the thousand: no unknown fields, a shared fields set.

    The set is shared until the model is changed in place (nothing in the bot does; `model_copy` copies
    it), so a change never shows in another model."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=False)

    @model_validator(mode="after")
    def _share_fields_set(self) -> Self:
        _share_fields(self)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        super().__setattr__(name, value)


class ListedNotice(_Compact, Notice):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=False)


class ListedStatus(_Compact, ConnectionStatus):
    # Frozen: one status is shared by many listed connections (`_shared_status`), so a change in place
    # would show in all of them; `model_copy(update=...)` makes a changed one.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    tasks: list[ListedNotice] = Field(default_factory=list)  # type: ignore[assignment]
    warnings: list[ListedNotice] = Field(default_factory=list)  # type: ignore[assignment]


# One status per distinct value, shared by the listed connections that have it: most of an account's
# connections have the same few (connected, scheduled, on schedule; no notices). Each held its own model, its
# dict and two empty lists, ~440 bytes: 4.4 MB of a 10,000-connection snapshot (issue 22). Shared as the
# fields sets are (nothing changes a listed model in place; `model_copy` copies). Only statuses without
# notices or a reschedule time, so the key space is a few states; bounded all the same.
_STATUSES: dict[tuple[Any, ...], ListedStatus] = {}
MAX_SHARED_STATUSES = 1024
_STATUS_KEYS = tuple(name for name in ListedStatus.model_fields if name not in ("tasks", "warnings"))


def _shared_status(status: ListedStatus) -> ListedStatus:
    if status.tasks or status.warnings or status.rescheduled_for is not None:
        return status
    # The fields set is one of _FIELDS_SETS' (kept for ever), so its identity stands for its contents.
    values = status.__dict__
    key = (id(status.__pydantic_fields_set__), *[values[name] for name in _STATUS_KEYS])
    shared = _STATUSES.get(key)
    if shared is None:
        if len(_STATUSES) >= MAX_SHARED_STATUSES:
            return status
        shared = _STATUSES[key] = status
    return shared


@dataclass(frozen=True, slots=True, config=ConfigDict(extra="ignore", populate_by_name=True))
class ListedConnection:
    """A connection as a list page gives it, for the snapshot: the fields of `ConnectionDetails` that the
    bot reads, unknown ones dropped. Built by the ten thousand and kept, so compact:

    - A real connection object carries ~20 more fields (`config`, `source_sync_details`, …) that nothing
      in the bot reads: kept, 10,000 connections took 55 MB (5.5 KB each). Still never refused for a
      field it does not know.
    - A slotted dataclass, not a model: a model keeps its fields in a `__dict__` (~470 bytes for these
      15) and a fields set; slots take 8 bytes a field, ~4 MB less for 10,000 (issue 22).
    - Its status is shared with every listed connection that has the same one (`_shared_status`).
    - Frozen: a snapshot's connections are read by every command at once; a change is a copy
      (`model_copy`, as on the models), never a change in place.
    """

    id: str
    group_id: str
    service: str
    name: str = Field(alias="schema")
    paused: bool = False
    schedule_type: str | None = None
    sync_frequency: int | None = None
    daily_sync_time: str | None = None
    succeeded_at: datetime | None = None
    failed_at: datetime | None = None
    created_at: datetime | None = None
    connected_by: str | None = None
    data_delay_threshold: int | None = None
    status: ListedStatus = Field(default_factory=ListedStatus)
    setup_tests: list[SetupTest] | None = None

    @field_validator("status", mode="after")
    @classmethod
    def _share_status(cls, status: ListedStatus) -> ListedStatus:
        return _shared_status(status)

    @property
    def last_sync_end(self) -> datetime | None:
        """When the most recent sync ended, successfully or not: what a followed sync waits to move."""
        return _last_end(self.succeeded_at, self.failed_at)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with `update`'s fields changed, unvalidated, as `BaseModel.model_copy` makes one: so a
        reader holding a `Connection` copies either kind the same way."""
        copied = copy.deepcopy(self) if deep else copy.copy(self)
        for name, value in (update or {}).items():
            object.__setattr__(copied, name, value)  # frozen: only a copy no one else holds is changed
        return copied


# What a reader of a connection takes: the one Fivetran answered alone, or one of a list page.
Connection: TypeAlias = ConnectionDetails | ListedConnection


class EnabledPatchSettings(FivetranModel):
    allowed: bool = True
    reason_code: str | None = None
    reason: str | None = None


class ColumnConfig(FivetranModel):
    name_in_destination: str | None = None
    enabled: bool = True
    hashed: bool = False
    is_primary_key: bool | None = None
    # reason_code: SYSTEM_COLUMN | DELETED | OTHER (then `reason` says why)
    enabled_patch_settings: EnabledPatchSettings = Field(default_factory=EnabledPatchSettings)


class TableConfig(FivetranModel):
    name_in_destination: str | None = None
    enabled: bool = True
    sync_mode: str | None = None  # SOFT_DELETE | HISTORY | LIVE
    enabled_patch_settings: EnabledPatchSettings = Field(default_factory=EnabledPatchSettings)
    supports_columns_config: bool | None = None
    columns: dict[str, ColumnConfig] = Field(default_factory=dict)


class TableColumns(FivetranModel):
    """The answer of GET …/schemas/{schema}/tables/{table}/columns: every column of one source table,
    by source name, as the source has them now (the schema config lists only the ones a person set)."""

    columns: dict[str, ColumnConfig] = Field(default_factory=dict)


class SchemaConfig(FivetranModel):
    name_in_destination: str | None = None
    enabled: bool = True
    tables: dict[str, TableConfig] = Field(default_factory=dict)


class SchemaSettings(FivetranModel):
    """The answer of GET /v1/connections/{id}/schemas: every schema of a connection, by source name."""

    schema_change_handling: str | None = None
    enable_new_by_default: bool | None = None
    schemas: dict[str, SchemaConfig] = Field(default_factory=dict)


class Webhook(FivetranModel):
    id: str
    type: str = "account"
    url: str
    events: list[str] = Field(default_factory=list)
    active: bool = True
    group_id: str | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    # Fivetran answers the secret masked ("******"); never log it either way.
    secret: str | None = Field(default=None, repr=False)


class AccountInfo(FivetranModel):
    account_id: str
    account_name: str | None = None
    user_id: str | None = None
    system_key_id: str | None = None


class ConnectCardLink(FivetranModel):
    token: str = ""  # a short-lived JWT; the `uri` embeds it, so neither is ever logged
    uri: str = ""


class ConnectCard(FivetranModel):
    """`POST /v1/connections/{id}/connect-card`: the link where a person re-enters credentials or
    finishes the setup, without the Fivetran dashboard."""

    connector_id: str = ""
    connect_card: ConnectCardLink = Field(default_factory=ConnectCardLink)

    @property
    def uri(self) -> str:
        return self.connect_card.uri

    @property
    def expires_at(self) -> datetime | None:
        """The token's `exp` claim: Fivetran's answer carries no expiry of its own. The token is not
        verified (it is Fivetran's to check); a token without a readable claim gives None."""
        parts = self.connect_card.token.split(".")
        if len(parts) != 3:
            return None
        try:
            padded = parts[1] + "=" * (-len(parts[1]) % 4)
            claims = json.loads(base64.urlsafe_b64decode(padded))
            exp = claims.get("exp") if isinstance(claims, dict) else None
            if isinstance(exp, int | float) and not isinstance(exp, bool):
                return datetime.fromtimestamp(exp, UTC)
        except (ValueError, OverflowError, OSError):
            return None
        return None
