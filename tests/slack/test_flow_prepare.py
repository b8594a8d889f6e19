"""The prologue every connector change shares (Flow.prepare): resolve, authorise, confirm, dedupe, in order."""

from __future__ import annotations

import pytest

from bot.blocks.message import Message
from bot.fivetran.models import Connection
from bot.services.governance.access import Actor, Refused, Role
from bot.services.pipelines.snapshot import AccountSnapshot
from bot.slack.flow import Flow
from bot.slack.turn import Turn
from tests.blocks.factory import NOW, connection, snapshot
from tests.fakes.deps import only
from tests.fakes.replies import Replies
from tests.slack.doubles import Audits

ONE = snapshot(connection())


class Cache:
    async def get(self) -> AccountSnapshot:
        return ONE


class Policy:
    def __init__(self, allow: bool) -> None:
        self.allow = allow
        self.asked: list[str] = []

    async def check(self, actor: Actor, action: str) -> Role:
        self.asked.append(action)
        if not self.allow:
            raise Refused("not you")
        return Role.ADMIN


class Once:
    def __init__(self) -> None:
        self.keys: list[str] = []

    async def first_time(self, key: str, window: float) -> bool:
        seen = key in self.keys
        self.keys.append(key)
        return not seen


def _flow(policy: Policy, dedupe: Once, audit: Audits | None = None) -> Flow:
    deps = only(
        cache=Cache(),
        policy=policy,
        dedupe=dedupe,
        auditor=audit or Audits(),
        now=lambda: NOW,
    )
    return Flow(deps)


def _turn(out: Replies) -> Turn:
    return Turn(Actor("U1", "C1"), out, "command", "req1")


def _first_id() -> str:
    return next(iter(ONE.connections))


def _key(c: Connection) -> tuple[str, str]:
    return (f"sync:{c.id}", f"A sync of {c.name}")


async def test_prepare_resolves_then_hands_back_the_connector_when_nothing_stops_it() -> None:
    out, once = Replies(), Once()
    resolved = await _flow(Policy(True), once).prepare(_turn(out), _first_id(), "sync", once=_key)
    assert resolved is not None and resolved[1].id == _first_id()
    assert out.texts == [] and once.keys == [f"sync:{_first_id()}"]


async def test_prepare_refuses_before_asking_to_confirm_or_recording_the_request() -> None:
    out, once, policy, audit = Replies(), Once(), Policy(False), Audits()
    with pytest.raises(Refused):
        await _flow(policy, once, audit).prepare(
            _turn(out), _first_id(), "pause", confirm=lambda s, c: Message(text="sure?"), once=_key
        )
    assert policy.asked == ["pause"] and out.texts == [] and once.keys == []
    assert (audit.entries, audit.targets) == ([("pause", "refused", {})], [[_first_id()]])  # on record


async def test_prepare_asks_to_confirm_and_does_not_count_the_unconfirmed_request_as_the_first() -> None:
    out, once = Replies(), Once()
    flow = _flow(Policy(True), once)
    asked = await flow.prepare(
        _turn(out), _first_id(), "pause", confirm=lambda s, c: Message(text="sure?"), once=_key
    )
    assert asked is None and out.texts == ["sure?"] and once.keys == []
    assert await flow.prepare(_turn(out), _first_id(), "pause", once=_key) is not None


async def test_prepare_refuses_the_same_change_twice_in_the_window() -> None:
    out, once = Replies(), Once()
    flow = _flow(Policy(True), once)
    assert await flow.prepare(_turn(out), _first_id(), "sync", once=_key) is not None
    assert await flow.prepare(_turn(out), _first_id(), "sync", once=_key) is None
    assert out.texts and "just requested" in out.texts[-1]


async def test_prepare_answers_an_unknown_connector_and_authorises_nothing() -> None:
    out, policy = Replies(), Policy(True)
    assert await _flow(policy, Once()).prepare(_turn(out), "no-such-thing-zzz", "sync", once=_key) is None
    assert policy.asked == [] and len(out.texts) == 1
