"""The one error a command's text can produce: what was wrong, and which help page to show."""

from __future__ import annotations


class UsageError(ValueError):
    """The text is not a command; `topic` names the help page to show with the message."""

    def __init__(self, message: str, topic: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.topic = topic
