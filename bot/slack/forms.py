"""The digest and watch forms: opened as a modal for `/hvr digest add` or `/hvr watch` typed bare, and
their submissions, which make the subscription the way the typed command does (`Subscriptions`).

A submission is answered in its ack, within Slack's 3 seconds: field errors go under their fields
(`response_action: errors`), a refusal or a failure under the first one (a modal has nowhere else to
say it). Only once the modal has closed is the channel told, like it is for the typed command.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.blocks import ids
from bot.blocks.forms import form_channel, render_digest_form, render_watch_form
from bot.blocks.message import Message
from bot.blocks.prompts import render_usage_error
from bot.commands.digest_commands import USAGE
from bot.commands.forms import FormErrors, field_values, parse_digest_form, parse_watch_form
from bot.commands.usage import UsageError
from bot.commands.watch_commands import WatchAdd
from bot.fivetran.errors import FivetranError
from bot.services.digests.service import DigestError
from bot.services.governance.access import Actor, Refused
from bot.slack.flow import Flow
from bot.slack.subscriptions import Subscriptions
from bot.slack.turn import Responder, Turn, reference_id

log = logging.getLogger(__name__)

# Where an error that is about no one field is shown: the first input of each form.
_FIRST = {ids.DIGEST_FORM: ids.FIELD_SCHEDULE, ids.WATCH_FORM: ids.FIELD_SELECTOR}


@dataclass(frozen=True)
class Submitted:
    """The ack's errors (None closes the modal) and what to do once it is closed."""

    errors: dict[str, str] | None
    then: Callable[[], Awaitable[None]] | None = None


class Forms(Flow):
    def __init__(self, subscriptions: Subscriptions) -> None:
        super().__init__(subscriptions.deps)
        self._subscriptions = subscriptions

    async def open_digest(self, turn: Turn) -> None:
        await self.authorize(turn, "digest_add")  # a viewer hears why now, not after filling it in
        view = render_digest_form(turn.actor.channel_id, default_tz=self.deps.default_tz)
        if turn.modal is None or not await turn.modal(view):
            hint = f"`digest add` needs a schedule, like `/hvr digest add weekdays 09:00`. Use {USAGE}."
            await turn.out.reply(render_usage_error(UsageError(hint, "digest")))

    async def open_watch(self, turn: Turn) -> None:
        await self.authorize(turn, "watch_add")
        if turn.modal is None or not await turn.modal(render_watch_form(turn.actor.channel_id)):
            # No modal (the shell, an expired trigger): bare `watch` means what it always meant.
            await self._subscriptions.watch(turn, WatchAdd())

    async def submit(
        self, callback_id: str, view: Mapping[str, Any], user_id: str, out: Callable[[str], Responder]
    ) -> Submitted:
        """`out(channel)` answers in the form's channel once it is known."""
        first = _FIRST.get(callback_id, ids.FIELD_SELECTOR)
        channel = form_channel(dict(view))
        if not channel:
            return Submitted({first: "This form has lost its channel; type the command again."})
        turn = Turn(Actor(user_id, channel), out(channel), "modal", reference_id())
        fields = field_values((view.get("state") or {}).get("values") or {})
        try:
            message = await self._create(turn, callback_id, fields)
        except FormErrors as bad:
            return Submitted(bad.errors)
        except (Refused, DigestError) as refused:
            return Submitted({first: str(refused.reason if isinstance(refused, Refused) else refused)})
        except FivetranError as error:
            log.warning(
                "source error [%s] from %s in a %s submission: %s",
                turn.request_id,
                error.speaker,
                callback_id,
                error,
            )
            return Submitted(
                {
                    first: f"{error.speaker} did not answer; nothing was saved. Try again (ref {turn.request_id})."
                }
            )
        except Exception:
            log.exception("unexpected error [%s] in a %s submission", turn.request_id, callback_id)
            return Submitted(
                {first: f"Something went wrong on my side; nothing was saved (ref {turn.request_id})."}
            )

        async def announce() -> None:
            await turn.out.reply(message, in_channel=True)

        log.info("[%s] %s by %s in %s: ok", turn.request_id, callback_id, user_id, channel)
        return Submitted(None, announce)

    async def _create(self, turn: Turn, callback_id: str, fields: Mapping[str, Any]) -> Message:
        if callback_id == ids.DIGEST_FORM:
            cmd = parse_digest_form(fields, default_tz=self.deps.default_tz)
            return await self._subscriptions.create_digest(turn, cmd)
        if callback_id == ids.WATCH_FORM:
            return await self._subscriptions.create_watch(turn, parse_watch_form(fields))
        raise FormErrors(
            {_FIRST[ids.WATCH_FORM]: "That form is from an older version of me; type the command again."}
        )
