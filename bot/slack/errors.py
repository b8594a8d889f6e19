"""Slack's refusals, read once for every message the bot sends.

`PERMANENT` is the one table of the answers that mean "this will never work" rather than "not now"; every
other failure (5xx, a 429 past the client's retries, the network, an unknown code) is worth trying later.
`failure` turns whatever slack_sdk raised into one of the two kinds the services know (`PostError`,
`SlackUnavailable`), so no service sees slack_sdk; `refusal` reads an answer that is not `ok` the same way
for the deliverer's own chat.postMessage (`bot.slack.direct_post`), which has no slack_sdk error to read.
`NOT_HERE` and `GONE` are the refusals with somewhere else to go (`bot.slack.fallback`): a channel the bot
cannot post in, a message no longer there to edit.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.services.runtime.posting import PostError, SlackUnavailable

# chat.postMessage answers meaning the bot cannot post in this channel: the person is answered instead.
NOT_HERE = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "not_allowed_token_type",
    }
)

# chat.update answers meaning the message was deleted meanwhile: the news still matters, so it is posted anew.
GONE = frozenset({"message_not_found", "cant_update_message", "channel_not_found"})

PERMANENT = (
    NOT_HERE
    | GONE
    | {
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "edit_window_closed",
        "user_not_in_channel",
    }
)


def failure(error: Exception) -> PostError | SlackUnavailable:
    if isinstance(error, SlackApiError) and error.response is not None:
        return refusal(error.response.status_code, error.response.get("error"), error.response.headers)
    return SlackUnavailable(type(error).__name__)


def refusal(status: int, error: object, headers: object) -> PostError | SlackUnavailable:
    """What an answer that is not `ok` means: its `error` (else its HTTP status) read by the table; a 5xx
    is never for good, whatever it says. `headers` give a 429's Retry-After."""
    code = str(error or f"http_{status}")
    if code in PERMANENT and status < 500:
        return PostError(code)
    return SlackUnavailable(code, retry_after=_retry_after(headers))


def _retry_after(headers: object) -> float | None:
    """A 429's Retry-After (seconds); None when absent or unreadable."""
    items = getattr(headers, "items", None)  # a dict, or aiohttp's multidict
    if items is None:
        return None
    for name, value in items():
        if str(name).lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(str(raw)))
            except ValueError:
                return None
    return None
