"""Constants for the Slack double's own tests."""

from __future__ import annotations

TOKEN = "xoxb-test"
