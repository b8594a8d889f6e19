"""The /hvr grammar: text in, typed commands out (no service, no Slack, no I/O)."""
