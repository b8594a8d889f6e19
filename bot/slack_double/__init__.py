"""A small Slack Web API double for the end-to-end tests and `hvr-bot shell`.

It answers the Web API methods and `response_url`s the bot uses on loopback, inside the caller's event loop,
enforces Slack's rules (tokens, Block Kit limits, trigger and response_url lifetimes, posting pace), records
every call and message, and publishes what happens as events.
"""

from bot.slack_double.directory import Identity
from bot.slack_double.events import (
    Deleted,
    Event,
    Posted,
    Unfurled,
    Updated,
    ViewClosed,
    ViewOpened,
    ViewPublished,
    ViewUpdated,
)
from bot.slack_double.faults import PacingViolation
from bot.slack_double.limits import block_problems, message_problems, view_problems
from bot.slack_double.server import SlackDouble
from bot.slack_double.store import Call, Message
from bot.slack_double.unfurls import Share
from bot.slack_double.views import View

__all__ = [
    "Call",
    "Deleted",
    "Event",
    "Identity",
    "Message",
    "PacingViolation",
    "Posted",
    "Share",
    "SlackDouble",
    "Unfurled",
    "Updated",
    "View",
    "ViewClosed",
    "ViewOpened",
    "ViewPublished",
    "ViewUpdated",
    "block_problems",
    "message_problems",
    "view_problems",
]
