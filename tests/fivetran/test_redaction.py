"""Text Fivetran relays (error messages, tasks, warnings, setup tests) is redacted as it is parsed."""

from __future__ import annotations

import json

import pytest

from bot.fivetran.envelope import decode
from bot.fivetran.errors import BadRequest
from bot.fivetran.models import ConnectionDetails, SetupTest

ECHO = "upstream said: Authorization: Bearer sk.Live-9f8e7d6c5b4a and token xoxb-123-456-abcdef"


def _leaks(text: str) -> bool:
    return "sk.Live-9f8e7d6c5b4a" in text or "xoxb-123-456-abcdef" in text


def test_an_error_message_is_redacted_before_it_becomes_the_exception() -> None:
    with pytest.raises(BadRequest) as caught:
        decode(400, json.dumps({"code": "BadRequest", "message": ECHO}).encode())
    assert not _leaks(caught.value.message) and not _leaks(str(caught.value))
    assert "Bearer [redacted]" in caught.value.message


def test_task_and_warning_messages_are_redacted() -> None:
    connection = ConnectionDetails.model_validate(
        {
            "id": "c1",
            "group_id": "g1",
            "service": "postgres",
            "schema": "pg",
            "status": {
                "tasks": [{"code": "t", "message": ECHO}],
                "warnings": [{"code": "w", "message": ECHO}],
            },
        }
    )
    assert not _leaks(connection.status.tasks[0].message)
    assert not _leaks(connection.status.warnings[0].message)


def test_setup_test_messages_are_redacted() -> None:
    result = SetupTest.model_validate({"title": "Connecting", "status": "FAILED", "message": ECHO})
    assert result.message is not None and not _leaks(result.message)
