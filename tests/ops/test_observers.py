"""The router tells the observer it was built with what it handled, as structured values, not log text."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.blocks.message import Message
from bot.services.governance.access import Actor
from bot.services.runtime.posting import MessageRef
from bot.slack.router import Router
from tests.e2e.harness import ADMIN, CHANNEL
from tests.ops.support import ops_bot


@dataclass
class Turns:
    seen: list[tuple[str, str, str]] = field(default_factory=list)

    def turn(self, kind: str, name: str, outcome: str, seconds: float) -> None:
        assert seconds >= 0
        self.seen.append((kind, name, outcome))


class Silent:
    async def reply(self, message: Message, *, replace: bool = False, in_channel: bool = False) -> None:
        pass

    async def post(self, message: Message) -> MessageRef | None:
        return None

    async def update(self, ref: MessageRef, message: Message) -> None:
        pass


async def test_the_router_tells_its_observer_the_verb_as_typed_and_the_button_base() -> None:
    turns = Turns()
    async with ops_bot() as e2e:
        router = Router(e2e.bot.router.deps, observer=turns)
        actor = Actor(ADMIN, CHANNEL)

        await router.command("SYNC", actor, Silent())  # a usage error: still the verb it was
        await router.command("  ", actor, Silent())
        await router.command("'lsit' everything", actor, Silent())
        await router.action("hvr.cancel:3", "", actor, Silent())

    assert turns.seen == [
        ("command", "sync", "ok"),
        ("command", "help", "ok"),
        ("command", "'lsit'", "ok"),
        ("button", "hvr.cancel", "ok"),
    ]


def test_a_bot_reports_to_one_metrics_object_from_the_start() -> None:
    from pydantic import SecretStr

    from bot.app import build_bot
    from bot.config import Settings

    bot = build_bot(
        Settings(
            _env_file=None, slack_bot_token=SecretStr("xoxb-x"), database_url="sqlite+aiosqlite:///:memory:"
        )
    )

    observers: list[object] = [bot.router.observer, bot.digests.observer]
    assert all(o is bot.metrics for o in observers)
