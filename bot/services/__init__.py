"""What the bot does, with no Slack and no HTTP in it."""
