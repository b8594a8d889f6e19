"""Infrastructure the services share: background tasks, holders, channel posting."""
