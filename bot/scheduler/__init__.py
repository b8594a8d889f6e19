"""Scheduling: the schedule grammar and its APScheduler triggers (wiring and claim-once live beside)."""
