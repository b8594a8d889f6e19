"""Real-time alerts: watches, events from webhooks and polling, flapping, posting."""
