"""Modals, Home tabs and the trigger ids that open modals."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.slack_double.errors import ApiError

TRIGGER_TTL = 3.0


@dataclass
class View:
    """A modal or Home tab view; `user` is who sees it."""

    id: str
    view: dict[str, Any]
    user: str | None
    hash: str
    updates: int = 0
    # What the app said to the last submission: errors shown under fields, or the modal closed.
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    closed: bool = False

    @property
    def type(self) -> str:
        return str(self.view.get("type", ""))

    def snapshot(self) -> View:
        return dataclasses.replace(self, view=dict(self.view), errors=dict(self.errors))

    def as_payload(self) -> dict[str, Any]:
        """The view object Slack answers views.* with: what was sent plus Slack's own fields."""
        return {**self.view, "id": self.id, "hash": self.hash, "team_id": "T0DOUBLE", "state": {"values": {}}}


@dataclass
class Trigger:
    id: str
    created_at: float
    user: str | None
    used: bool = False


class Triggers:
    """Trigger ids are valid for 3 s and only once, so a bot that opens its modal late fails here too."""

    def __init__(self, clock: Callable[[], float], *, strict: bool) -> None:
        self._clock = clock
        self._strict = strict
        self._triggers: dict[str, Trigger] = {}
        self._ids = itertools.count(1)

    def new(self, user: str | None = None) -> str:
        trigger_id = f"{next(self._ids)}.{int(self._clock())}.double"
        self._triggers[trigger_id] = Trigger(trigger_id, self._clock(), user)
        return trigger_id

    def redeem(self, trigger_id: Any) -> Trigger | None:
        """The trigger, spent; None for an unknown id when not strict (payloads made up by hand)."""
        trigger = self._triggers.get(trigger_id) if isinstance(trigger_id, str) else None
        if trigger is None:
            if self._strict:
                raise ApiError("expired_trigger_id")
            return None
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if self._clock() - trigger.created_at > TRIGGER_TTL:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger


class Views:
    def __init__(self) -> None:
        self._views: dict[str, View] = {}
        self._homes: dict[str, View] = {}
        self._ids = itertools.count(1)

    def _new_id(self) -> str:
        return f"V{next(self._ids):010d}"

    def _new_hash(self, view_id: str, version: int) -> str:
        return f"{view_id}.{version:04d}"

    def open(self, view: dict[str, Any], user: str | None) -> View:
        view_id = self._new_id()
        record = View(view_id, view, user, self._new_hash(view_id, 0))
        self._views[view_id] = record
        return record

    def get(self, *, view_id: Any = None, external_id: Any = None) -> View:
        for record in self._views.values():
            if (view_id is not None and record.id == view_id) or (
                external_id is not None and record.view.get("external_id") == external_id
            ):
                return record
        raise ApiError("not_found")

    def update(self, record: View, view: dict[str, Any], *, expected_hash: Any = None) -> View:
        # The hash guards against two updates racing; Slack refuses the stale one.
        if expected_hash is not None and expected_hash != record.hash:
            raise ApiError("hash_conflict")
        record.view = view
        record.updates += 1
        record.hash = self._new_hash(record.id, record.updates)
        return record

    def publish(self, user: str, view: dict[str, Any], *, expected_hash: Any = None) -> View:
        record = self._homes.get(user)
        if record is None:
            record = self.open(view, user)
            self._homes[user] = record
            return record
        return self.update(record, view, expected_hash=expected_hash)

    def home(self, user: str) -> View | None:
        return self._homes.get(user)

    def modals(self) -> list[View]:
        return [v for v in self._views.values() if v.type == "modal"]
